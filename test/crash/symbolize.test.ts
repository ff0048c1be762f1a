/**
 * Crash reports to file:line. The real half uses the cached arm64 build (CONFIG_DEBUG_INFO) that
 * `bootlab build --arch arm64` gives, and a copy of the arm64 CMA oops fixture whose offsets are
 * moved to the middle of each function of THAT vmlinux, so that every frame has code to resolve.
 */
import t from 'tap';
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { BuildOutcome } from '../../harness/build/kernel.ts';
import { parseCrashes } from '../../harness/crash/parse.ts';
import { ownSourceLine } from '../../harness/crash/report.ts';
import { parseAddr2line, symbolizeReports, treeRelative, type Runner } from '../../harness/crash/symbolize.ts';
import type { CrashReport, StackFrame } from '../../harness/crash/types.ts';
import { run } from '../../harness/util/proc.ts';
import { bootlab } from '../helpers.ts';
import { ARM64_CMA_TRACE, fixtureLog } from './fixture-log.ts';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-symbolize-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

/** A runner that records every process symbolization starts, then runs it (or plays back `reply`). */
function recorder(reply?: (file: string, args: readonly string[]) => string): { runner: Runner; calls: { file: string; args: readonly string[] }[] } {
  const calls: { file: string; args: readonly string[] }[] = [];
  const runner: Runner = async (file, args, options) => {
    calls.push({ file, args });
    if (reply === undefined) return run(file, args, options);
    return { exitCode: 0, signal: undefined, timedOut: false, durationMs: 0, output: reply(file, args) };
  };
  return { runner, calls };
}

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
});

// ---------------------------------------------------------------------------------------------
// The real arm64 kernel.

type Built = Extract<BuildOutcome, { ok: true }>;

/** The cached arm64 build; the first test run in a fresh cache builds it (minutes). Asked for once, when first needed. */
let built: Promise<Built> | undefined;
const kernel = (): Promise<Built> =>
  (built ??= (async () => {
    const r = await bootlab(['build', '--arch', 'arm64', '--json']);
    if (r.exitCode !== 0) throw new Error(`bootlab build --arch arm64 failed (exit ${r.exitCode}): ${r.stderr}`);
    const [first] = JSON.parse(r.stdout) as BuildOutcome[];
    if (!first?.ok) throw new Error(`the arm64 build failed: ${r.stdout}`);
    const sections = await execa('aarch64-linux-gnu-readelf', ['-S', '--wide', first.vmlinux]);
    if (!sections.stdout.includes('.debug_line')) throw new Error(`${first.vmlinux} has no .debug_line: the arm64 build must have CONFIG_DEBUG_INFO`);
    return first;
  })());

const TRACE = ARM64_CMA_TRACE;

/** The frames every arm64 build has; static dma_contiguous_reserve_area may be inlined away. */
const ALWAYS = TRACE.filter((f) => f !== 'dma_contiguous_reserve_area');

/** Where each C function of the trace is defined. */
const DEFINED_IN: Readonly<Record<string, string>> = {
  memblock_alloc_try_nid: 'mm/memblock.c',
  cma_init_reserved_mem: 'mm/cma.c',
  cma_declare_contiguous_nid: 'mm/cma.c',
  dma_contiguous_reserve_area: 'kernel/dma/contiguous.c',
  dma_contiguous_reserve: 'kernel/dma/contiguous.c',
  arm64_memblock_init: 'arch/arm64/mm/init.c',
  setup_arch: 'arch/arm64/kernel/setup.c',
  start_kernel: 'init/main.c',
};

interface Symbol {
  readonly start: bigint;
  readonly size: number;
}

/** Text symbols of System.map, each with the size kallsyms would print (distance to the next one). */
function textSymbols(systemMap: string): Map<string, Symbol> {
  const rows = readFileSync(systemMap, 'utf8')
    .split('\n')
    .map((l) => /^([0-9a-f]+) [tTwW] (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !m[2]!.startsWith('$'))
    .map((m) => ({ start: BigInt(`0x${m[1]}`), name: m[2]! }));
  const out = new Map<string, Symbol>();
  rows.forEach((row, i) => {
    const next = rows.slice(i + 1).find((r) => r.start > row.start);
    if (next && !out.has(row.name)) out.set(row.name, { start: row.start, size: Number(next.start - row.start) });
  });
  return out;
}

/** The middle of a function, on an instruction boundary (arm64 instructions are 4 bytes). */
const middle = (s: Symbol): number => Math.floor(s.size / 2) & ~3;

/**
 * The CMA oops fixture with every `f+0xoff/0xsize` moved to the middle of f in this vmlinux;
 * frames of functions this build does not have (inlined away) are left out.
 */
function cmaOopsFor(symbols: ReadonlyMap<string, Symbol>): string {
  const out: string[] = [];
  for (const line of fixtureLog('arm64-cma-paging-request.log').split('\n')) {
    const m = /^(.*?(?:pc : |lr : |\] {2}))([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(.*)$/.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const s = symbols.get(m[2]!);
    if (s) out.push(`${m[1]}${m[2]}+0x${middle(s).toString(16)}/0x${s.size.toString(16)}${m[3]}`);
  }
  return out.join('\n');
}

/** The line of cma_init_reserved_mem's definition and of its closing brace, 1-based. */
function definitionLines(tree: string): [number, number] {
  const lines = readFileSync(join(tree, 'mm', 'cma.c'), 'utf8').split('\n');
  const first = lines.findIndex((l) => /^int __init cma_init_reserved_mem\(/.test(l));
  const last = lines.findIndex((l, i) => i > first && l === '}');
  return [first + 1, last + 1];
}

t.test('the arm64 CMA oops resolves frame by frame to the sources, with one addr2line for the whole trace', async (t) => {
  const k = await kernel();
  const symbols = textSymbols(k.systemMap);
  t.same(ALWAYS.filter((f) => !symbols.has(f)), [], 'the functions of the trace are in System.map');
  const log = cmaOopsFor(symbols);
  const [report, ...rest] = parseCrashes(log);
  t.equal(rest.length, 0);
  const trace = TRACE.filter((f) => symbols.has(f));
  t.same(report!.frames.map((f) => f.function), trace, 'the trace as rewritten');

  const { runner, calls } = recorder();
  const [out] = await symbolizeReports([report!], { vmlinux: k.vmlinux, arch: 'arm64', runner });
  t.same(calls.map((c) => basename(c.file)), ['aarch64-linux-gnu-addr2line'], 'one process: System.map is read, not nm');

  const address = (fn: string, back: number): string => `0x${(symbols.get(fn)!.start + BigInt(middle(symbols.get(fn)!) - back)).toString(16)}`;
  const args = calls[0]!.args;
  t.ok(args.includes(address('__memset', 0)), 'the pc is looked up as printed');
  t.ok(args.includes(address('cma_init_reserved_mem', 1)), 'a return address is looked up one byte back, at the call');

  const own = (f: StackFrame) => ({ function: f.source?.inlined.at(-1)?.function ?? f.source?.function, file: ownSourceLine(f)?.file });
  t.same(
    out!.frames.filter((f) => f.function! in DEFINED_IN).map(own),
    trace.filter((fn) => fn in DEFINED_IN).map((fn) => ({ function: fn, file: DEFINED_IN[fn] })),
    'each C frame resolves to its own function, in the file that defines it',
  );
  const cma = out!.frames.find((f) => f.function === 'cma_init_reserved_mem')!;
  const line = ownSourceLine(cma)!.line;
  const [first, last] = definitionLines(dirname(k.dir));
  t.ok(line > first && line <= last, `mm/cma.c:${line} is inside cma_init_reserved_mem (lines ${first}-${last})`);
  const files = [out!.pc, out!.lr, ...out!.frames].flatMap((l) => (l?.source ? [l.source.file, ...l.source.inlined.map((c) => c.file)] : []));
  t.same(files.filter((f) => f.startsWith('/') || f.startsWith('..')), [], 'every file is relative to the tree');
  t.equal(out!.lr?.source?.inlined.at(-1)?.function ?? out!.lr?.source?.function, 'memblock_alloc_try_nid', 'lr resolves too');

  const many = Array.from({ length: 300 }, () => report!);
  const again = recorder();
  const all = await symbolizeReports(many, { vmlinux: k.vmlinux, runner: again.runner });
  t.equal(again.calls.length, 1, '300 traces still cost one process');
  t.same(all.at(-1), out, 'and every copy resolves the same');
});

t.test('bootlab report --vmlinux --json prints the log with its symbolized report, and text names the guilty line', async (t) => {
  const k = await kernel();
  const file = join(tmp, 'arm64-cma.log');
  writeFileSync(file, cmaOopsFor(textSymbols(k.systemMap)));
  const json = await bootlab(['report', file, '--vmlinux', k.vmlinux, '--json']);
  t.equal(json.exitCode, 0, json.stderr);
  const lines = json.stdout.split('\n');
  t.equal(lines.length, 1, 'one JSON line for one log');
  const parsed = JSON.parse(lines[0]!) as { file: string; reports: (CrashReport & { guiltyFunction: string | null })[] };
  t.equal(parsed.file, file);
  t.equal(parsed.reports.length, 1);
  const [r] = parsed.reports;
  t.same(
    { kind: r!.kind, title: r!.title, guiltyFunction: r!.guiltyFunction, corrupted: r!.corrupted },
    { kind: 'paging-request', title: 'BUG: unable to handle kernel paging request in cma_init_reserved_mem', guiltyFunction: 'cma_init_reserved_mem', corrupted: false },
  );
  const cma = r!.frames.find((f) => f.function === 'cma_init_reserved_mem')!;
  const own = ownSourceLine(cma);
  t.equal(own?.file, 'mm/cma.c');

  const text = await bootlab(['report', file, '--vmlinux', k.vmlinux]);
  t.equal(text.exitCode, 0, text.stderr);
  t.match(text.stdout, `  guilty frame:  cma_init_reserved_mem at mm/cma.c:${own!.line}\n`);
});
