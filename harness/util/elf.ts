/**
 * ELF program headers, read and appended in place: what bootlab needs of a vmlinux (where its
 * segments are linked) and of a QEMU core (where guest memory sits in the file). 32- and 64-bit,
 * either byte order (mips is big-endian).
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

export const PT_LOAD = 1;

export interface ElfLayout {
  readonly is64: boolean;
  readonly littleEndian: boolean;
}

export interface ProgramHeader {
  readonly type: number;
  readonly flags: number;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  readonly align: bigint;
}

export interface ElfFile extends ElfLayout {
  /** e_machine (elf.h). */
  readonly machine: number;
  readonly phoff: bigint;
  readonly phnum: number;
  readonly headers: ProgramHeader[];
}

const PHENT = { 32: 32, 64: 56 } as const;

function read(fd: number, length: number, position: bigint): Buffer {
  const b = Buffer.alloc(length);
  const n = readSync(fd, b, 0, length, position);
  if (n !== length) throw new Error(`short read: ${n} of ${length} bytes at ${position}`);
  return b;
}

class Fields {
  constructor(
    private readonly b: Buffer,
    private readonly l: ElfLayout,
  ) {}
  u16(at: number): number {
    return this.l.littleEndian ? this.b.readUInt16LE(at) : this.b.readUInt16BE(at);
  }
  u32(at: number): number {
    return this.l.littleEndian ? this.b.readUInt32LE(at) : this.b.readUInt32BE(at);
  }
  word(at: number): bigint {
    if (!this.l.is64) return BigInt(this.u32(at));
    return this.l.littleEndian ? this.b.readBigUInt64LE(at) : this.b.readBigUInt64BE(at);
  }
}

export class NotElfError extends Error {
  override name = 'NotElfError';
}

/** The header and program headers of the ELF file open on fd; throws NotElfError when it is not ELF. */
export function readElf(fd: number, name: string): ElfFile {
  const ident = Buffer.alloc(64);
  if (readSync(fd, ident, 0, 64, 0) !== 64 || ident.readUInt32BE(0) !== 0x7f454c46) throw new NotElfError(`${name} is not an ELF file`);
  const layout: ElfLayout = { is64: ident[4] === 2, littleEndian: ident[5] !== 2 };
  const h = new Fields(ident, layout);
  const phoff = h.word(layout.is64 ? 0x20 : 0x1c);
  const phnum = h.u16(layout.is64 ? 0x38 : 0x2c);
  const size = layout.is64 ? PHENT[64] : PHENT[32];
  const table = new Fields(read(fd, size * phnum, phoff), layout);
  const headers: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * size;
    headers.push(
      layout.is64
        ? { type: table.u32(at), flags: table.u32(at + 4), offset: table.word(at + 8), vaddr: table.word(at + 16), paddr: table.word(at + 24), filesz: table.word(at + 32), memsz: table.word(at + 40), align: table.word(at + 48) }
        : { type: table.u32(at), offset: table.word(at + 4), vaddr: table.word(at + 8), paddr: table.word(at + 12), filesz: table.word(at + 16), memsz: table.word(at + 20), flags: table.u32(at + 24), align: table.word(at + 28) },
    );
  }
  return { ...layout, machine: h.u16(18), phoff, phnum, headers };
}

export function readElfFile(path: string): ElfFile {
  const fd = openSync(path, 'r');
  try {
    return readElf(fd, path);
  } finally {
    closeSync(fd);
  }
}

function encode(h: ProgramHeader, l: ElfLayout): Buffer {
  const b = Buffer.alloc(l.is64 ? PHENT[64] : PHENT[32]);
  const u32 = (v: number, at: number): number => (l.littleEndian ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const word = (v: bigint, at: number): void => {
    if (!l.is64) u32(Number(BigInt.asUintN(32, v)), at);
    else if (l.littleEndian) b.writeBigUInt64LE(BigInt.asUintN(64, v), at);
    else b.writeBigUInt64BE(BigInt.asUintN(64, v), at);
  };
  if (l.is64) {
    u32(h.type, 0);
    u32(h.flags, 4);
    [h.offset, h.vaddr, h.paddr, h.filesz, h.memsz, h.align].forEach((v, i) => word(v, 8 + 8 * i));
  } else {
    u32(h.type, 0);
    [h.offset, h.vaddr, h.paddr, h.filesz, h.memsz].forEach((v, i) => word(v, 4 + 4 * i));
    u32(h.flags, 24);
    word(h.align, 28);
  }
  return b;
}

/**
 * Add program headers to the ELF file at `path`: the table, old entries and new, is written
 * anew at the end of the file and the header pointed at it. The data is not moved.
 */
export function appendProgramHeaders(path: string, added: readonly ProgramHeader[]): void {
  const fd = openSync(path, 'r+');
  try {
    const elf = readElf(fd, path);
    const end = BigInt(fstatSync(fd).size);
    const phoff = (end + 7n) & ~7n;
    const table = Buffer.concat([...elf.headers, ...added].map((h) => encode(h, elf)));
    writeSync(fd, table, 0, table.length, Number(phoff));
    const header = Buffer.alloc(elf.is64 ? 8 : 4);
    if (elf.is64) {
      if (elf.littleEndian) header.writeBigUInt64LE(phoff);
      else header.writeBigUInt64BE(phoff);
    } else if (elf.littleEndian) header.writeUInt32LE(Number(phoff));
    else header.writeUInt32BE(Number(phoff));
    writeSync(fd, header, 0, header.length, elf.is64 ? 0x20 : 0x1c);
    const count = Buffer.alloc(2);
    if (elf.littleEndian) count.writeUInt16LE(elf.phnum + added.length);
    else count.writeUInt16BE(elf.phnum + added.length);
    writeSync(fd, count, 0, 2, elf.is64 ? 0x38 : 0x2c);
  } finally {
    closeSync(fd);
  }
}

/** Read `length` bytes at virtual address `vaddr` of a file's PT_LOAD segments (from the file: its initialized data). */
export function readVirtual(path: string, vaddr: bigint, length: number): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const elf = readElf(fd, path);
    const seg = elf.headers.find((h) => h.type === PT_LOAD && vaddr >= h.vaddr && vaddr + BigInt(length) <= h.vaddr + h.filesz);
    return seg ? read(fd, length, seg.offset + (vaddr - seg.vaddr)) : undefined;
  } finally {
    closeSync(fd);
  }
}
