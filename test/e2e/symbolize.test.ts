/**
 * Crash reports to file:line on a real kernel: the cached arm64 build (CONFIG_DEBUG_INFO) that
 * `bootlab build --arch arm64` gives, and a copy of the arm64 CMA oops fixture whose offsets are
 * moved to the middle of each function of THAT vmlinux, so that every frame has code to resolve.
 */
import t from 'tap';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { BuildOutcome } from '../../harness/kbuild/build.ts';
import { parseCrashes } from '../../harness/crash/parse.ts';
import { ownSourceLine } from '../../harness/crash/report.ts';
import { symbolizeReports } from '../../harness/crash/symbolize.ts';
import { parseSymbolMap, symbolSize } from '../../harness/crash/symbols.ts';
import type { CrashReport, StackFrame } from '../../harness/crash/types.ts';
import { bootlab } from '../helpers.ts';
import { ARM64_CMA_TRACE, fixtureLog } from '../crash/fixture-log.ts';
import { recorder } from '../crash/recorder.ts';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-symbolize-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

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
  const table = parseSymbolMap(readFileSync(systemMap, 'utf8'), 8);
  const out = new Map<string, Symbol>();
  table.names.forEach((name, i) => {
    const size = symbolSize(table, i);
    if (size !== undefined && !out.has(name)) out.set(name, { start: table.addresses[i]!, size: Number(size) });
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
