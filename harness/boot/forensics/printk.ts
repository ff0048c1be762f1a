/**
 * Recover kernel log lines from a dump of __log_buf (the text data ring of the lockless
 * printk ring buffer, 5.10+). Each data block is an id word followed by the record's text,
 * blocks aligned to the word size; the text is not NUL-terminated, but what follows it is
 * the next block's id (no printable bytes in practice) or zero padding. Pure.
 */
export interface RecoveredLine {
  /** Position of the record in the log as recovered (0-based, in id order). */
  readonly seq: number;
  readonly id: bigint;
  readonly text: string;
}

function isText(b: number): boolean {
  return b === 0x09 || b === 0x0a || (b >= 0x20 && b < 0x7f);
}

/**
 * The record metadata array (_printk_rb_static_infos): struct printk_info is 88 bytes with
 * seq (u64) at 0 and text_len (u16) at 16, on every bootlab arch. Indexed by id % count.
 */
export interface InfoArray {
  readonly buf: Buffer;
  readonly count: number;
}
export const INFO_SIZE = 88;

function infoOf(infos: InfoArray, id: bigint, bigEndian: boolean): { seq: bigint; textLen: number } | undefined {
  const at = Number(id % BigInt(infos.count)) * INFO_SIZE;
  if (at + INFO_SIZE > infos.buf.length) return undefined;
  return {
    seq: bigEndian ? infos.buf.readBigUInt64BE(at) : infos.buf.readBigUInt64LE(at),
    textLen: bigEndian ? infos.buf.readUInt16BE(at + 16) : infos.buf.readUInt16LE(at + 16),
  };
}

export function decodeLogBuf(buf: Buffer, wordBytes: 4 | 8, bigEndian = false, infos?: InfoArray): RecoveredLine[] {
  const records: { id: bigint; text: string; offset: number }[] = [];
  let pos = 0;
  while (pos + wordBytes < buf.length) {
    const id =
      wordBytes === 8
        ? bigEndian
          ? buf.readBigUInt64BE(pos)
          : buf.readBigUInt64LE(pos)
        : BigInt(bigEndian ? buf.readUInt32BE(pos) : buf.readUInt32LE(pos));
    let end = pos + wordBytes;
    while (end < buf.length && isText(buf[end]!)) end++;
    // With the record's metadata the exact length is known: text scanned past it is stale.
    const info = infos && id !== 0n ? infoOf(infos, id, bigEndian) : undefined;
    if (info && info.textLen <= end - pos - wordBytes) end = pos + wordBytes + info.textLen;
    const length = end - pos - wordBytes;
    if (id !== 0n && length > 0) {
      records.push({ id: info ? info.seq : id, text: buf.toString('latin1', pos + wordBytes, end), offset: pos });
      pos += Math.ceil((end - pos) / wordBytes) * wordBytes;
    } else {
      pos += wordBytes;
    }
  }
  // Ids (or seqs, when the metadata was read) grow with every record: order by them, drop repeats.
  const seen = new Set<bigint>();
  const ordered = records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.offset - b.offset)).filter((r) => !seen.has(r.id) && seen.add(r.id));
  return ordered.flatMap((r, i) => r.text.split('\n').filter((l) => l.length > 0).map((text) => ({ seq: i, id: r.id, text })));
}
