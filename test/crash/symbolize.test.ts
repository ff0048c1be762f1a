/**
 * Crash reports to file:line without a kernel: addr2line's output, file names, and a fake
 * vmlinux whose addr2line is played back. test/e2e/symbolize.test.ts does it on a real build.
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ownSourceLine } from '../../harness/crash/report.ts';
import { parseAddr2line, symbolizeReports, treeRelative } from '../../harness/crash/symbolize.ts';
import type { CrashReport, StackFrame } from '../../harness/crash/types.ts';
import { recorder } from './recorder.ts';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-symbolize-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// addr2line output and file names, without a kernel.

t.test('addr2line -a -f -i output: each address with its inlined chain, innermost first', async (t) => {
  const tool = 'aarch64-linux-gnu-addr2line';
  const out = parseAddr2line(
    [
      '0xffff800008353a17',
      'cma_activate_area',
      '/src/linux/bootlab-arm64-8a2df1ec8992/../mm/cma.c:95 (discriminator 2)',
      'cma_init_reserved_mem',
      '/src/linux/bootlab-arm64-8a2df1ec8992/../mm/cma.c:229',
      `${tool}: DWARF error: could not find abbrev number 12`,
      '0xffff800008263440',
      '??',
      '??:0',
      '0x00000000000001f0',
      'start_kernel',
      'init/main.c:?',
    ].join('\n'),
    tool,
  );
  t.same([...out.entries()], [
    [
      0xffff800008353a17n,
      [
        { function: 'cma_activate_area', file: '/src/linux/bootlab-arm64-8a2df1ec8992/../mm/cma.c', line: 95 },
        { function: 'cma_init_reserved_mem', file: '/src/linux/bootlab-arm64-8a2df1ec8992/../mm/cma.c', line: 229 },
      ],
    ],
    [0xffff800008263440n, [{ function: '??', file: '??', line: 0 }]],
    [0x1f0n, [{ function: 'start_kernel', file: 'init/main.c', line: 0 }]],
  ]);
});

t.test('file names read from the top of the kernel tree, whatever form DWARF gives them in', async (t) => {
  const build = '/root/.cache/bootlab/src/4d415b3d3648/linux-source-6.1/bootlab-arm64-8a2df1ec8992';
  t.same(
    [
      `${build}/../mm/cma.c`,
      '../mm/cma.c',
      '/root/.cache/bootlab/src/4d415b3d3648/linux-source-6.1/mm/cma.c',
      `${build}/./include/generated/asm-offsets.h`,
      '/elsewhere/linux/bootlab-arm64-9e9d4374769b/../arch/arm64/kernel/setup.c',
      './arch/arm64/include/asm/memory.h',
      '/usr/lib/gcc-cross/aarch64-linux-gnu/12/include/stddef.h',
    ].map((f) => treeRelative(f, build)),
    [
      'mm/cma.c',
      'mm/cma.c',
      'mm/cma.c',
      'include/generated/asm-offsets.h',
      'arch/arm64/kernel/setup.c',
      'arch/arm64/include/asm/memory.h',
      '/usr/lib/gcc-cross/aarch64-linux-gnu/12/include/stddef.h',
    ],
  );
});

t.test('a fake kernel: 60 frames cost one addr2line; return addresses are looked up one byte back, the pc is not', async (t) => {
  const build = join(tmp, 'linux', 'bootlab-arm64-0123456789ab');
  mkdirSync(build, { recursive: true });
  // Just enough of an ELF header for the arch check: ELFCLASS64, little endian, EM_AARCH64.
  const elf = Buffer.alloc(64);
  elf.write('\x7fELF', 0, 'latin1');
  elf[4] = 2;
  elf[5] = 1;
  elf.writeUInt16LE(183, 18);
  const vmlinux = join(build, 'vmlinux');
  writeFileSync(vmlinux, elf);
  const names = Array.from({ length: 60 }, (_, i) => `fn${i}`);
  writeFileSync(join(build, 'System.map'), names.map((n, i) => `${(0xffff800008000000n + BigInt(i) * 0x100n).toString(16)} T ${n}\n`).join(''));
  const frames: StackFrame[] = names.map((n) => ({ function: n, offset: 0x40, size: 0x100, reliable: true }));
  const report: CrashReport = {
    kind: 'oops',
    title: 'Internal error: Oops in fn0',
    header: 'Internal error: Oops: 0000000096000044 [#1] SMP',
    corrupted: false,
    pc: { function: 'fn0', offset: 0x40, size: 0x100 },
    frames: [...frames, { function: 'mod_fn', offset: 0x10, size: 0x20, module: 'cma_test', reliable: true }],
    registers: {},
    startLine: 1,
    endLine: 70,
    excerpt: [],
  };
  const { runner, calls } = recorder((_, args) =>
    args
      .filter((a) => a.startsWith('0x'))
      .map((a) => {
        const n = Number((BigInt(a) - 0xffff800008000000n) >> 8n);
        // fn7 has no line information: addr2line prints "??:0" for it.
        return n === 7 ? `${a}\nfn7\n??:0` : `${a}\nhelper${n}\n${build}/../include/linux/h.h:${10 + n}\nfn${n}\n${build}/../mm/f.c:${100 + n}`;
      })
      .join('\n'),
  );
  const [out] = await symbolizeReports([report], { vmlinux, runner });
  t.equal(calls.length, 1, 'one process for the whole trace');
  t.equal(basename(calls[0]!.file), 'aarch64-linux-gnu-addr2line', 'the arch comes from the ELF header');
  const addresses = calls[0]!.args.filter((a) => a.startsWith('0x'));
  t.equal(addresses.length, 60, 'the pc and the first frame (the same place) are one address, each return address another, the module frame none');
  t.ok(addresses.includes('0xffff800008000040'), 'the pc as printed');
  t.ok(addresses.includes('0xffff80000800013f'), 'fn1+0x40, a return address, minus one');
  t.same(out!.pc!.source, { function: 'helper0', file: 'include/linux/h.h', line: 10, inlined: [{ function: 'fn0', file: 'mm/f.c', line: 100 }] });
  t.same(out!.frames[1]!.source, { function: 'helper1', file: 'include/linux/h.h', line: 11, inlined: [{ function: 'fn1', file: 'mm/f.c', line: 101 }] });
  t.same(ownSourceLine(out!.frames[1]!), { file: 'mm/f.c', line: 101 });
  t.equal(out!.frames[7]!.source, undefined, '"??:0" leaves the frame without a source line');
  t.equal(out!.frames[60]!.source, undefined, 'module code is not in vmlinux');
  t.equal(report.frames[1]!.source, undefined, 'the reports given are not changed');

  // A run remembers what it found: the same crash from the same vmlinux costs no process the next time.
  const cache = mkdtempSync(join(tmp, 'cache-'));
  const saved = process.env.BOOTLAB_CACHE;
  process.env.BOOTLAB_CACHE = cache;
  t.teardown(() => (saved === undefined ? delete process.env.BOOTLAB_CACHE : (process.env.BOOTLAB_CACHE = saved)));
  const [first] = await symbolizeReports([report], { vmlinux, runner, remember: true });
  t.equal(calls.length, 2, 'the first remembering call looks everything up');
  const [second] = await symbolizeReports([report], { vmlinux, runner, remember: true });
  t.equal(calls.length, 2, 'the second finds every location remembered: no addr2line');
  t.same(second, first, 'and resolves the same');
  t.same(first, out);
});

