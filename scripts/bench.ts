/**
 * Whole-run benchmark: bootlab's time next to its physical floor, as a ratio.
 *
 *   npm run bench [-- --skip-cold] [-- --suite]
 *
 * - cold nightly matrix and cold arm64 repro: each in a throwaway cache and ccache; floor =
 *   raw `tar -xf` of the kernel tarball (a cold cache has no tree; nothing can build before
 *   it is on disk) + raw `make` (no ccache) of the same builds (baselines from scratch,
 *   patched variants incrementally from a copy of the baseline's objects) + the run's own
 *   boot floor.
 * - warm nightly rerun and warm repro: the normal cache, already filled. The repro, a second
 *   long, runs seven times, each beside its own floor; the median ratio is the figure.
 * - boot floor: every job's own QEMU command line (from summary.json) run raw, in the run's
 *   order, as many at a time as bootlab; a guest that never powers off runs for as long as
 *   bootlab needed to decide.
 * - start-up: bootlab --help and bootlab report <log>, each 10 times after one run not
 *   counted; the median is the figure (target: 0.3 s), beside a bare `node -e 0`.
 * - with --suite: the whole test suite (npm test, what .ci/run runs) from a fresh clone of
 *   HEAD with an empty cache and ccache, as CI meets it (budget: 50 minutes on 2 cores).
 * - panic-to-verdict latency: verdict time minus the time of the first crash line, per crash;
 *   and the arm64 repro without earlycon (a silent console): when, after QEMU's start, its
 *   crash was called from the printk ring.
 * - peak memory of bootlab itself (VmHWM of its process, not of QEMU or make).
 *
 * Writes results/bench-<date>.json. A full run took 47 min on two cores (2026-11-27, 8165a38).
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultBootConcurrency } from '../harness/boot/boot.ts';
import { rawColdMake, rawIncrementalMake } from './raw-make.ts';
import { REPO_ROOT } from '../harness/util/paths.ts';
import { isBooted, type BootedJob, type RunSummary } from '../harness/results/model.ts';

const { values } = parseArgs({ options: { 'skip-cold': { type: 'boolean', default: false }, suite: { type: 'boolean', default: false } } });
const bin = join(REPO_ROOT, 'bin', 'bootlab.js');
const scratch = mkdtempSync(join(tmpdir(), 'bootlab-bench-'));
// The raw floor runs as many QEMUs at once as bootlab does.
const boots = defaultBootConcurrency();

interface Timed {
  readonly wallMs: number;
  readonly peakRssMiB: number;
  readonly exitCode: number | undefined;
  readonly dir: string;
}

/** Run bootlab, timing it and sampling its own peak RSS until it exits. */
async function bootlab(args: string[], env: Record<string, string> = {}): Promise<Timed> {
  const dir = join(scratch, `run-${Date.now()}`);
  const t0 = performance.now();
  const child = execa('node', [bin, ...args, '--out', dir], { cwd: REPO_ROOT, env: { ...env, CI: 'true' }, reject: false, stdout: 'ignore', stderr: 'inherit' });
  let peakKiB = 0;
  const sample = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
    } catch {
      // exited between samples
    }
  }, 100);
  const r = await child;
  clearInterval(sample);
  return { wallMs: Math.round(performance.now() - t0), peakRssMiB: Math.round(peakKiB / 1024), exitCode: r.exitCode, dir };
}

const summaryOf = (dir: string): RunSummary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
const bootedOf = (dir: string): BootedJob[] => summaryOf(dir).jobs.filter(isBooted);

/**
 * The raw QEMU floor of a finished run: every job's own command line, without bootlab, in
 * the run's order, as many at a time as bootlab runs — measured, not computed, so QEMU's own threads
 * compete for the cores exactly as they did under bootlab. A guest that never powers off
 * runs for as long as bootlab needed to decide: nothing raw could stop it sooner.
 */
async function bootFloor(dir: string): Promise<number> {
  const queue = bootedOf(dir);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: boots }, async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const [file, ...args] = r.qemu.argv;
        const exits = r.verdict === 'pass' || (r.verdict === 'crash' && r.stopReason === undefined);
        await execa(file!, args, { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', timeout: exits ? 120_000 : Math.max(1, r.decidedAtMs), killSignal: 'SIGKILL' });
        const socket = /^unix:([^,]+)/.exec(args[args.indexOf('-monitor') + 1] ?? '')?.[1];
        if (socket) rmSync(socket, { force: true });
      }
    }),
  );
  return Math.round(performance.now() - t0);
}

function panicLatencies(dir: string): number[] {
  return bootedOf(dir)
    .filter((r) => r.verdict === 'crash' && r.firstCrash && r.evidence === 'console')
    .map((r) => r.decidedAtMs - r.firstCrash!.atMs);
}

/**
 * Raw make (no ccache) of the builds a finished run made, as a person would do them by hand:
 * each arch's baseline from scratch in `<tree>/raw-bench-<arch>` (a subdirectory, so srctree
 * is ".." as in bootlab's build directories), each patched variant incrementally in a copy
 * of it inside the variant's tree (the copy itself is not timed). Returns ms per build key;
 * builds already in `known` are not measured again.
 */
async function rawMakes(dir: string, known: ReadonlyMap<string, number> = new Map()): Promise<Map<string, number>> {
  const builds = summaryOf(dir).builds;
  const times = new Map<string, number>();
  for (const arch of new Set(builds.map((b) => b.arch))) {
    const mine = builds.filter((b) => b.arch === arch && !known.has(`${arch}/${b.variant}`));
    if (mine.length === 0) continue;
    const base = builds.find((b) => b.arch === arch && b.variant === 'baseline')!;
    const tree = join(base.dir, '..');
    const objdir = `raw-bench-${arch}`;
    times.set(`${arch}/baseline`, await rawColdMake(tree, arch, objdir));
    for (const b of mine.filter((b) => b.variant !== 'baseline')) {
      const vtree = join(b.dir, '..');
      await execa('cp', ['-a', join(tree, objdir), join(vtree, objdir)]);
      times.set(`${arch}/${b.variant}`, await rawIncrementalMake(vtree, arch, objdir));
      rmSync(join(vtree, objdir), { recursive: true, force: true });
    }
    rmSync(join(tree, objdir), { recursive: true, force: true });
  }
  return times;
}

const sum = (xs: Iterable<number>): number => [...xs].reduce((a, b) => a + b, 0);

/** Wall time of a whole command, `runs` times after one run that is not counted: min, median, max in ms. */
async function startup(file: string, args: string[], runs = 10): Promise<{ minMs: number; medianMs: number; maxMs: number }> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    await execa(file, args, { cwd: REPO_ROOT, reject: false, stdout: 'ignore', stderr: 'ignore' });
    if (i > 0) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = (x: number): number => Math.round(x);
  return { minMs: ms(times[0]!), medianMs: ms((times[(runs - 1) >> 1]! + times[runs >> 1]!) / 2), maxMs: ms(times.at(-1)!) };
}

/**
 * Raw extraction of the run's kernel tarball, which a cold cache starts with; 0 for a
 * --kernel-src tree. Measured next to the run, not once: this machine's disk makes the same
 * extraction take 10 s one hour and 55 s the next.
 */
async function rawExtract(dir: string): Promise<number> {
  const { origin } = summaryOf(dir).kernel;
  if (!/\.tar(\.\w+)?$/.test(origin)) return 0;
  const into = mkdtempSync(join(scratch, 'extract-'));
  const t0 = performance.now();
  await execa('tar', ['-xf', origin, '-C', into]);
  const ms = Math.round(performance.now() - t0);
  rmSync(into, { recursive: true, force: true });
  return ms;
}

/** A cold run in a throwaway cache and ccache, and its floor: raw makes plus raw boots. */
async function coldRun(args: string[], known: ReadonlyMap<string, number> = new Map()) {
  const cache = join(scratch, `cache-${args.join('-')}`);
  const run = await bootlab(args, { BOOTLAB_CACHE: cache, CCACHE_DIR: join(cache, 'ccache') });
  if (run.exitCode !== 0) process.stderr.write(`warning: bootlab ${args.join(' ')} exited ${run.exitCode}\n`);
  const boots = await bootFloor(run.dir);
  const extract = await rawExtract(run.dir);
  process.stderr.write(`raw make of the same builds (${args.join(' ')})\n`);
  const makes = new Map([...known, ...(await rawMakes(run.dir, known))]);
  const built = summaryOf(run.dir).builds;
  const mine = built.map((b) => makes.get(`${b.arch}/${b.variant}`)!);
  rmSync(cache, { recursive: true, force: true });
  const floor = extract + sum(mine) + boots;
  // Each build as bootlab did it (its make, under boots running alongside) next to raw make.
  const perBuild = built.map((b) => ({ build: `${b.arch}/${b.variant}`, how: b.how, bootlabMs: b.durationMs, rawMakeMs: makes.get(`${b.arch}/${b.variant}`)! }));
  return {
    summary: { wallMs: run.wallMs, floorMs: floor, ratio: +(run.wallMs / floor).toFixed(2), rawExtractMs: extract, rawMakeMs: sum(mine), bootFloorMs: boots, peakRssMiB: run.peakRssMiB, exitCode: run.exitCode, perBuild },
    makes,
  };
}

const commit = (await execa('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, reject: false })).stdout || 'unknown';
const file = join(REPO_ROOT, 'results', `bench-${new Date().toISOString().slice(0, 10)}.json`);
const report: Record<string, unknown> = {};
// --skip-cold keeps the cold half of an earlier run of the same day (it names its commit).
if (values['skip-cold'] && existsSync(file)) {
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (earlier.cold) report.cold = earlier.cold;
  if (earlier.suite && !values.suite) report.suite = earlier.suite;
}
try {
  if (values.suite) {
    process.stderr.write('the test suite from a fresh clone, empty cache (about 35 min on two cores)\n');
    const clone = join(scratch, 'clone');
    await execa('git', ['clone', '-q', REPO_ROOT, clone]);
    const log = join(REPO_ROOT, 'results', `bench-suite-${new Date().toISOString().slice(0, 10)}.log`);
    mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
    writeFileSync(log, '');
    const t0 = performance.now();
    const r = await execa('npm', ['test'], { cwd: clone, env: { BOOTLAB_CACHE: join(scratch, 'suite-cache'), CI: 'true' }, reject: false, stdout: { file: log, append: true }, stderr: { file: log, append: true } });
    report.suite = { commit, wallMs: Math.round(performance.now() - t0), exitCode: r.exitCode, log };
  }
  if (!values['skip-cold']) {
    process.stderr.write('cold nightly (builds everything: about 16 min on two cores, then the raw makes as long again)\n');
    const nightly = await coldRun(['run', 'nightly']);
    process.stderr.write('cold repro\n');
    // The repro's builds are a subset of the nightly's: their raw times are reused.
    const repro = await coldRun(['repro', 'repro-arm64-numa-panic'], nightly.makes);
    report.cold = { commit, nightly: nightly.summary, repro: repro.summary };
  }
  process.stderr.write('start-up\n');
  const crashLog = join(REPO_ROOT, 'test', 'fixtures', 'crash', 'arm64-cma-paging-request.log');
  await execa('node', [bin, '--help'], { cwd: REPO_ROOT }); // compiles dist/ if a source changed; not timed
  report.startup = {
    commit,
    help: await startup('node', [bin, '--help']),
    report: await startup('node', [bin, 'report', crashLog]),
    bareNode: await startup('node', ['-e', '0']),
  };
  process.stderr.write('warm nightly\n');
  await bootlab(['run', 'nightly']); // fills the cache if needed; not timed
  const nightly = await bootlab(['run', 'nightly']);
  const floor = await bootFloor(nightly.dir);
  // A warm repro is a second long: one run says little on a machine whose speed drifts. Each
  // of seven runs is paired with its own floor, measured right after it; the median pair counts.
  const pairs: { wallMs: number; floorMs: number; dir: string; peakRssMiB: number }[] = [];
  for (let i = 0; i < 7; i++) {
    const run = await bootlab(['repro', 'repro-arm64-numa-panic']);
    pairs.push({ ...run, floorMs: await bootFloor(run.dir) });
  }
  pairs.sort((a, b) => a.wallMs / a.floorMs - b.wallMs / b.floorMs);
  const repro = pairs[3]!;
  const reproFloor = repro.floorMs;
  const latencies = [...panicLatencies(nightly.dir), ...panicLatencies(repro.dir)];
  // The same panic with no earlycon: the console stays silent, the printk ring says crash.
  const silent = await bootlab(['boot', '--arch', 'arm64', '--series', 'arm64-early-cma-reserve+cma-dynamic-areas', '--profile', 'numa2-noearlycon']);
  const silentJob = summaryOf(silent.dir).jobs.find((j) => j.variant !== 'baseline');
  const silentRepro = silentJob && isBooted(silentJob) ? { verdict: silentJob.verdict, stopReason: silentJob.stopReason, decidedAtMs: silentJob.decidedAtMs, title: silentJob.crashes[0]?.title } : { verdict: silentJob?.verdict };
  report.warm = {
    commit,
    nightlyMs: nightly.wallMs,
    bootFloorMs: floor,
    ratio: +(nightly.wallMs / floor).toFixed(2),
    nightlyExitCode: nightly.exitCode,
    reproMs: repro.wallMs,
    reproBootFloorMs: reproFloor,
    reproRatio: +(repro.wallMs / reproFloor).toFixed(2),
    reproRatios: pairs.map((p) => +(p.wallMs / p.floorMs).toFixed(2)),
    panicToVerdictMs: { max: Math.max(...latencies), all: latencies },
    silentRepro,
    peakRssMiB: Math.max(nightly.peakRssMiB, ...pairs.map((p) => p.peakRssMiB)),
  };
} finally {
  rmSync(scratch, { recursive: true, force: true });
  // Whatever was measured is kept, even when a later step failed.
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30) };
  mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, ...report }, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  console.log(`written to ${file}`);
}
