/**
 * A kernel's symbol table, read from its System.map (or `nm -n vmlinux`, the same format):
 * address to `function+offset` for a program counter read out of a silent guest, and
 * `function+offset` back to an address for the frames of a crash report. Pure.
 *
 * Addresses are read modulo the arch's word: a 32-bit System.map may print them
 * sign-extended to 64 bits (mips prints ffffffff80100000 for a pc of 80100000).
 */

/** Text symbols, sorted by address, with the name of each. */
export interface SymbolTable {
  readonly addresses: readonly bigint[];
  readonly names: readonly string[];
  /** Symbol name to its indexes in `addresses` (static functions can share a name). */
  readonly byName: ReadonlyMap<string, readonly number[]>;
  readonly wordBytes: 4 | 8;
}

/**
 * Only text symbols: kallsyms (without KALLSYMS_ALL) knows only those, and the size it prints
 * is the distance to the next of them. ARM mapping symbols (`$x`, `$d`) are left out, as
 * scripts/mksysmap does.
 */
const TEXT_SYMBOL = /^([0-9a-fA-F]+) [tTwW] ([^\s$][^\s]*)/;

/** A function this far past the nearest symbol is not in the table: the address is elsewhere. */
const MAX_OFFSET = 0x100000n;

export function wordMask(wordBytes: 4 | 8): bigint {
  return (1n << BigInt(wordBytes * 8)) - 1n;
}

/** A hex address as printed (with or without 0x), modulo the word. */
export function parseAddress(hex: string, wordBytes: 4 | 8): bigint {
  return BigInt(hex.startsWith('0x') ? hex : `0x${hex}`) & wordMask(wordBytes);
}

export function parseSymbolMap(text: string, wordBytes: 4 | 8): SymbolTable {
  const rows: { address: bigint; name: string }[] = [];
  for (const line of text.split('\n')) {
    const m = TEXT_SYMBOL.exec(line);
    if (m) rows.push({ address: parseAddress(m[1]!, wordBytes), name: m[2]! });
  }
  // Both listings come sorted; a stable sort keeps them so and protects a hand-made map.
  rows.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const byName = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const list = byName.get(r.name);
    if (list) list.push(i);
    else byName.set(r.name, [i]);
  });
  return { addresses: rows.map((r) => r.address), names: rows.map((r) => r.name), byName, wordBytes };
}

/** The address of any symbol (text or data, e.g. __log_buf) in a System.map, modulo the word. */
export function symbolValue(text: string, name: string, wordBytes: 4 | 8): bigint | undefined {
  const m = new RegExp(`^([0-9a-fA-F]+) \\S+ ${name.replace(/[$.]/g, '\\$&')}$`, 'm').exec(text);
  return m ? parseAddress(m[1]!, wordBytes) : undefined;
}

/** The distance to the next higher symbol: the size kallsyms prints for the function. */
export function symbolSize(table: SymbolTable, index: number): bigint | undefined {
  const start = table.addresses[index]!;
  for (let k = index + 1; k < table.addresses.length; k++) {
    if (table.addresses[k]! > start) return table.addresses[k]! - start;
  }
  return undefined;
}

/** Start of a printed function; among same-named static functions, the one of the printed size. */
export function symbolAddress(table: SymbolTable, name: string, size?: number): bigint | undefined {
  const candidates = table.byName.get(name);
  if (!candidates) return undefined;
  if (candidates.length > 1 && size !== undefined) {
    const exact = candidates.find((i) => symbolSize(table, i) === BigInt(size));
    if (exact !== undefined) return table.addresses[exact];
  }
  return table.addresses[candidates[0]!];
}

/** "cma_init_reserved_mem+0x68" for an address (hex, as the monitor prints it), or undefined. */
export function symbolAt(table: SymbolTable, hex: string | undefined): string | undefined {
  if (hex === undefined || table.addresses.length === 0) return undefined;
  const a = parseAddress(hex, table.wordBytes);
  if (a < table.addresses[0]!) return undefined;
  let lo = 0;
  let hi = table.addresses.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (table.addresses[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  const off = a - table.addresses[lo]!;
  return off > MAX_OFFSET ? undefined : `${table.names[lo]}+0x${off.toString(16)}`;
}
