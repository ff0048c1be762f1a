/** "a, b,,c" → ["a", "b", "c"]: how every comma-separated option value is read. */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
