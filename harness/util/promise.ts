/** A promise started now and awaited later: handled at once, so that its rejection reaches whoever awaits it, never the process. */
export function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}
