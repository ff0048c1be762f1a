import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendProgramHeaders, PT_LOAD, readElfFile, readVirtual, type ProgramHeader } from '../../harness/util/elf.ts';

const dir = mkdtempSync(join(tmpdir(), 'bootlab-elf-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** A minimal ELF file: header, one PT_LOAD whose data ("payload") follows the table. */
function elf(is64: boolean, littleEndian: boolean, vaddr: bigint): Buffer {
  const ehsize = is64 ? 64 : 52;
  const phent = is64 ? 56 : 32;
  const payload = Buffer.from('Linux version 6.1\n\0tail');
  const b = Buffer.alloc(ehsize + phent + payload.length);
  const u16 = (v: number, at: number) => (littleEndian ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (littleEndian ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const word = (v: bigint, at: number) => (is64 ? (littleEndian ? b.writeBigUInt64LE(v, at) : b.writeBigUInt64BE(v, at)) : u32(Number(v), at));
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = is64 ? 2 : 1;
  b[5] = littleEndian ? 1 : 2;
  u16(is64 ? 183 : 8, 18);
  word(BigInt(ehsize), is64 ? 0x20 : 0x1c);
  u16(1, is64 ? 0x38 : 0x2c);
  const p = ehsize;
  const offset = BigInt(ehsize + phent);
  const size = BigInt(payload.length);
  u32(PT_LOAD, p);
  if (is64) {
    u32(5, p + 4);
    [offset, vaddr, vaddr, size, size, 0x1000n].forEach((v, i) => word(v, p + 8 + 8 * i));
  } else {
    [offset, vaddr, vaddr, size, size].forEach((v, i) => word(v, p + 4 + 4 * i));
    u32(5, p + 24);
    word(0x1000n, p + 28);
  }
  payload.copy(b, ehsize + phent);
  return b;
}

for (const [name, is64, le, vaddr] of [
  ['64-bit little-endian (arm64)', true, true, 0xffffffc008000000n],
  ['32-bit big-endian (mips)', false, false, 0x80100000n],
  ['32-bit little-endian (arm)', false, true, 0xc0008000n],
] as const) {
  t.test(`${name}: program headers are read, and appended without moving the data`, async (t) => {
    const file = join(dir, `${name}.elf`);
    writeFileSync(file, elf(is64, le, vaddr));
    const before = readElfFile(file);
    t.equal(before.is64, is64);
    t.equal(before.littleEndian, le);
    t.equal(before.machine, is64 ? 183 : 8);
    t.equal(before.headers.length, 1);
    t.equal(before.headers[0]!.vaddr, vaddr);
    t.equal(readVirtual(file, vaddr + 6n, 7)?.toString(), 'version');
    t.equal(readVirtual(file, vaddr + 1000n, 4), undefined, 'outside the file\'s data');

    const data = readFileSync(file).subarray(0, statSync(file).size);
    const alias: ProgramHeader = { ...before.headers[0]!, vaddr: 0x1000n, paddr: 0x40001000n, flags: 4 };
    appendProgramHeaders(file, [alias]);
    const after = readElfFile(file);
    t.equal(after.headers.length, 2);
    t.same(after.headers[0], before.headers[0], 'the old entries are kept');
    t.same(after.headers[1], alias);
    t.ok(after.phoff >= BigInt(data.length) && after.phoff % 8n === 0n, 'the new table is at the end, aligned');
    t.same(readFileSync(file).subarray(0, data.length).subarray(is64 ? 64 : 52 + 32), data.subarray(is64 ? 64 : 52 + 32), 'nothing after the header moved');
    t.equal(readVirtual(file, 0x1000n, 5)?.toString(), 'Linux', 'the new mapping reads the same bytes');
  });
}

t.test('a file that is not ELF is told apart from a bug', async (t) => {
  const file = join(dir, 'Image');
  writeFileSync(file, Buffer.alloc(4096, 0x41));
  t.throws(() => readElfFile(file), { name: 'NotElfError' });
  const tiny = join(dir, 'tiny');
  writeFileSync(tiny, 'x');
  t.throws(() => readElfFile(tiny), { name: 'NotElfError' });
});
