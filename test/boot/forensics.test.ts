import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeLogBuf } from '../../harness/boot/forensics/printk.ts';
import { deadLoop, hasDeadLoops, inException, parseRegisters, readCpu } from '../../harness/boot/forensics/registers.ts';
import { firstFault } from '../../harness/boot/forensics/trace.ts';
import { FIXTURES } from '../helpers.ts';

const fixture = (name: string): string => readFileSync(join(FIXTURES, 'forensics', name), 'utf8');

t.test('arm registers from a real silent hang read as an abort taken before the vectors were set up', async (t) => {
  const cpus = parseRegisters('arm', fixture('arm-abort-vector.registers.txt'));
  t.equal(cpus.length, 2);
  t.match(cpus[0], { cpu: 0, pc: 'ffff000c', lr: 'ffff0010', mode: 'abt32' });
  t.equal(readCpu('arm', cpus[0]!), "CPU 0 loops in the abort vector (pc ffff000c, abt32): an abort taken before the kernel's exception vectors were set up");
});

t.test('only a CPU that can never leave its loop counts as stuck for good', async (t) => {
  const [arm] = parseRegisters('arm', fixture('arm-abort-vector.registers.txt'));
  t.match(deadLoop('arm', arm!), /^CPU 0 loops in the abort vector/);
  t.equal(deadLoop('arm', { ...arm!, mode: 'svc32' }), undefined, 'supervisor mode at that pc is not the abort loop');
  t.equal(deadLoop('arm', { ...arm!, pc: 'c0101234' }), undefined, 'an abort handled by the kernel is not stuck');
  const [arm64] = parseRegisters('arm64', fixture('arm64-silent-oops.registers.txt'));
  t.equal(deadLoop('arm64', arm64!), undefined, 'a silent arm64 guest may still be waiting: left to the inactivity window');
  t.same((['arm64', 'arm', 'mips'] as const).filter(hasDeadLoops), ['arm'], 'only arm has a dead loop worth looking for');
});

t.test('arm64 registers give pc, x30 and the exception level', async (t) => {
  const [cpu0] = parseRegisters('arm64', fixture('arm64-silent-oops.registers.txt'));
  t.match(cpu0, { cpu: 0, pc: /^[0-9a-f]{16}$/, lr: /^[0-9a-f]{16}$/, mode: /^EL1[ht]$/ });
});

/** A printk data ring as 6.1 lays it out: [id word][text] blocks, word-aligned. */
function ring(records: [bigint, string][], word: 4 | 8, bigEndian: boolean, size = 4096): Buffer {
  const buf = Buffer.alloc(size);
  let pos = 0;
  for (const [id, text] of records) {
    if (word === 8) buf.writeBigUInt64LE(id, pos);
    else if (bigEndian) buf.writeUInt32BE(Number(id), pos);
    else buf.writeUInt32LE(Number(id), pos);
    buf.write(text, pos + word, 'latin1');
    pos += Math.ceil((word + text.length) / word) * word;
  }
  return buf;
}

t.test('the printk data ring decodes into ordered lines with sequence numbers, without fragments', async (t) => {
  const buf = ring([[0x3fffffffffffe001n, 'Booting Linux'], [0x3fffffffffffe002n, 'Unable to handle kernel paging request at virtual address ffffff807bffff68'], [0x3fffffffffffe003n, 'pc : __memset+0x50/0x188']], 8, false);
  t.same(decodeLogBuf(buf, 8).map((l) => [l.seq, l.text]), [
    [0, 'Booting Linux'],
    [1, 'Unable to handle kernel paging request at virtual address ffffff807bffff68'],
    [2, 'pc : __memset+0x50/0x188'],
  ]);
  const mips = ring([[0xfffff001n, 'CPU0 revision is: 00019300 (MIPS 24Kc)'], [0xfffff002n, 'Kernel panic - not syncing: x']], 4, true);
  t.same(decodeLogBuf(mips, 4, true).map((l) => l.text), ['CPU0 revision is: 00019300 (MIPS 24Kc)', 'Kernel panic - not syncing: x']);
});

t.test('record metadata trims stale text after a record and supplies the real sequence numbers', async (t) => {
  const buf = ring([[0x3fffffffffffe001n, 'address ffff6868']], 8, false);
  const infos = Buffer.alloc(88 * 16);
  const idx = Number(0x3fffffffffffe001n % 16n);
  infos.writeBigUInt64LE(41n, idx * 88);
  infos.writeUInt16LE('address ffff68'.length, idx * 88 + 16);
  t.same(decodeLogBuf(buf, 8, false, { buf: infos, count: 16 }).map((l) => [l.id, l.text]), [[41n, 'address ffff68']]);
});

t.test('the first fault of a real arm exception log is the data abort, not the prefetch-abort loop after it', async (t) => {
  t.match(firstFault(fixture('arm-abort-loop.exceptions.log')), { exception: 'Data Abort', address: '0xefffff90', status: 'DFSR 0x805' });
  t.equal(firstFault('Taking exception 5 [IRQ] on CPU 0\n...from EL1 to EL1\n'), undefined, 'interrupts are not faults');
});

t.test('a CPU in abort mode, or in a dead loop, is in an exception printk may not have seen; one executing kernel code is not', async (t) => {
  const [abortLoop] = parseRegisters('arm', fixture('arm-abort-vector.registers.txt'));
  t.equal(inException('arm', abortLoop!), true);
  t.equal(inException('arm', { cpu: 0, pc: 'c0123456', mode: 'abt32', raw: '' }), true, 'abort mode anywhere');
  t.equal(inException('arm', { cpu: 0, pc: 'c0123456', mode: 'svc32', raw: '' }), false);
  const [arm64] = parseRegisters('arm64', fixture('arm64-silent-oops.registers.txt'));
  t.equal(inException('arm64', arm64!), false, 'arm64 names no such mode');
});
