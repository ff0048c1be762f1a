/** "1 job", "3 jobs", "2 patches": a count with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One word for sh: as it is when it is safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line for sh, each word quoted where it must be. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}
