/**
 * QEMU 7.2 dumps arm, arm64 and mips guests without paging (`dump-guest-memory -p` is x86
 * only): the core's segments are physical memory. gdb reads a variable at its link address,
 * so it would find nothing there and fall back to the value vmlinux was built with. This adds
 * segments that map each vmlinux segment at its link address onto the physical memory the
 * kernel was found in, so gdb (core-file core.elf) reads the guest's values.
 *
 * The kernel is found by its banner: the bytes of linux_banner, read from vmlinux, searched in
 * guest memory. The image is contiguous in physical memory (arm64 runs where it was loaded,
 * KASLR moving only its virtual addresses; arm and mips decompress or load it in one piece).
 */
import { closeSync, chmodSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { symbolValue } from '../../crash/symbols.ts';
import { appendProgramHeaders, PT_LOAD, readElfFile, readVirtual, type ProgramHeader } from '../../util/elf.ts';

const CHUNK = 32 * 1024 * 1024;

export interface KernelInCore {
  /** Where linux_banner, and so the kernel image, was found in guest physical memory. */
  readonly bannerPhysical: bigint;
  /** How many vmlinux segments the core now maps at their link addresses. */
  readonly segments: number;
}

/** The file offset and physical address where `needle` first occurs in the core's physical segments. */
function findPhysical(core: string, segments: readonly ProgramHeader[], needle: Buffer): bigint | undefined {
  const fd = openSync(core, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK + needle.length);
    for (const s of segments) {
      for (let at = 0n; at < s.filesz; at += BigInt(CHUNK)) {
        const length = Number(s.filesz - at < BigInt(buffer.length) ? s.filesz - at : BigInt(buffer.length));
        const n = readSync(fd, buffer, 0, length, s.offset + at);
        const hit = buffer.subarray(0, n).indexOf(needle);
        if (hit >= 0) return s.paddr + at + BigInt(hit);
      }
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Map vmlinux's segments at their link addresses in `core`. Returns what was found, or why
 * nothing could be mapped (the core is left as QEMU wrote it).
 */
export function mapKernelImage(core: string, vmlinux: string, systemMap: string): KernelInCore | { error: string } {
  const kernel = readElfFile(vmlinux);
  const dump = readElfFile(core);
  const banner = symbolValue(readFileSync(systemMap, 'utf8'), 'linux_banner', kernel.is64 ? 8 : 4);
  if (banner === undefined) return { error: `${systemMap} has no linux_banner` };
  const text = readVirtual(vmlinux, banner, 512);
  const end = text?.indexOf(0) ?? -1;
  if (!text || end < 0) return { error: `linux_banner is not in ${vmlinux}'s initialized data` };
  // With its NUL: the printk ring holds the same text, without it.
  const needle = text.subarray(0, end + 1);
  const memory = dump.headers.filter((h) => h.type === PT_LOAD && h.filesz > 0n);
  const found = findPhysical(core, memory, needle);
  if (found === undefined) return { error: 'the kernel banner is not in guest memory: the kernel was not there yet, or was compressed' };
  const delta = banner - found;
  const added: ProgramHeader[] = [];
  for (const s of kernel.headers.filter((h) => h.type === PT_LOAD && h.memsz > 0n)) {
    const physical = s.vaddr - delta;
    const within = memory.find((m) => physical >= m.paddr && physical + s.memsz <= m.paddr + m.filesz);
    if (!within) continue;
    added.push({ type: PT_LOAD, flags: s.flags, offset: within.offset + (physical - within.paddr), vaddr: s.vaddr, paddr: physical, filesz: s.memsz, memsz: s.memsz, align: 0n });
  }
  if (added.length === 0) return { error: "vmlinux's segments fall outside the dumped memory" };
  // QEMU writes the core read-only for its owner.
  const mode = statSync(core).mode & 0o777;
  chmodSync(core, mode | 0o200);
  try {
    appendProgramHeaders(core, added);
  } finally {
    chmodSync(core, mode);
  }
  return { bannerPhysical: found, segments: added.length };
}
