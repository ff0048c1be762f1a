/**
 * Whole-run benchmark: bootlab's time next to its physical floor, as a ratio.
 *
 *   npm run bench [-- --skip-cold]
 *
 * - cold nightly matrix and cold arm64 repro: each in a throwaway cache and ccache; floor =
 *   raw `make` (no ccache) of the three baseline configs + the warm boot floor below.
 * - warm nightly rerun and warm repro: the normal cache, already filled.
 * - boot floor: every job's own QEMU command line (from summary.json) run raw, two at a time
 *   like bootlab; a guest that never powers off is charged what bootlab needed to decide.
 * - panic-to-verdict latency: verdict time minus the time of the first crash line, per crash.
 * - peak memory of bootlab itself (VmHWM of its process, not of QEMU or make).
 *
 * Writes results/bench-<date>.json. A cold run takes an hour or more on two cores.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ARCHES, ARCH_NAMES } from '../harness/arch.ts';
import { fragmentsFor } from '../harness/builds.ts';
import type { JobResult } from '../harness/job.ts';
import { REPO_ROOT } from '../harness/paths.ts';
import type { RunSummary } from '../harness/results/model.ts';

const { values } = parseArgs({ options: { 'skip-cold': { type: 'boolean', default: false } } });
const bin = join(REPO_ROOT, 'bin', 'bootlab.js');
const scratch = mkdtempSync(join(tmpdir(), 'bootlab-bench-'));
const cores = availableParallelism();

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
const jobResult = (dir: string, id: string): JobResult => JSON.parse(readFileSync(join(dir, 'jobs', id, 'result.json'), 'utf8')) as JobResult;

/** Longest-first list scheduling on `cores` machines: the makespan of running these on them. */
function makespan(durations: readonly number[]): number {
  const machines = Array<number>(cores).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) machines[machines.indexOf(Math.min(...machines))]! += d;
  return Math.max(...machines);
}

/** The raw QEMU floor of a finished run: every job's own command line, without bootlab. */
async function bootFloor(dir: string): Promise<number> {
  const s = summaryOf(dir);
  const durations: number[] = [];
  for (const job of s.jobs) {
    if (!job.qemuArgv) continue;
    const r = jobResult(dir, job.id);
    const [file, ...args] = job.qemuArgv;
    if (r.verdict === 'pass' || (r.verdict === 'crash' && r.stopReason === undefined)) {
      const t0 = performance.now();
      await execa(file!, args, { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', timeout: 120_000, killSignal: 'SIGKILL' });
      durations.push(performance.now() - t0);
    } else {
      // A guest that never powers off: nothing raw can stop it sooner than bootlab decided.
      durations.push(r.decidedAtMs);
    }
  }
  return Math.round(makespan(durations));
}

function panicLatencies(dir: string): number[] {
  return summaryOf(dir)
    .jobs.filter((j) => j.verdict === 'crash')
    .map((j) => jobResult(dir, j.id))
    .filter((r) => r.firstCrash && r.evidence === 'console')
    .map((r) => r.decidedAtMs - r.firstCrash!.atMs);
}

/** Raw make (no ccache) of each arch's baseline config in the given extracted tree. */
async function rawMakes(tree: string): Promise<number> {
  let total = 0;
  for (const arch of ARCH_NAMES) {
    const spec = ARCHES[arch];
    const out = join(scratch, `raw-${arch}`);
    const make = ['make', `O=${out}`, `ARCH=${spec.linuxArch}`, `CROSS_COMPILE=${spec.crossCompile}`];
    const t0 = performance.now();
    await execa(make[0]!, [...make.slice(1), 'allnoconfig'], { cwd: tree });
    await execa('scripts/kconfig/merge_config.sh', ['-m', '-O', out, join(out, '.config'), ...fragmentsFor(arch).map((f) => f.path)], { cwd: tree, env: { ARCH: spec.linuxArch } });
    await execa(make[0]!, [...make.slice(1), 'olddefconfig'], { cwd: tree });
    await execa(make[0]!, [...make.slice(1), `-j${cores}`, spec.imageTarget], { cwd: tree });
    total += performance.now() - t0;
    rmSync(out, { recursive: true, force: true });
  }
  return Math.round(total);
}

const report: Record<string, unknown> = {};
try {
  if (!values['skip-cold']) {
    const cold = join(scratch, 'cache');
    const env = { BOOTLAB_CACHE: cold, CCACHE_DIR: join(cold, 'ccache') };
    process.stderr.write('cold nightly (builds everything: an hour or more)\n');
    const nightly = await bootlab(['run', 'nightly'], env);
    const tree = join(summaryOf(nightly.dir).builds[0]!.dir, '..');
    process.stderr.write('raw make of the baseline configs\n');
    const makes = await rawMakes(tree);
    const boots = await bootFloor(nightly.dir);
    rmSync(cold, { recursive: true, force: true });
    const repoCold = join(scratch, 'cache-repro');
    process.stderr.write('cold repro\n');
    const repro = await bootlab(['repro', 'repro-arm64-numa-panic'], { BOOTLAB_CACHE: repoCold, CCACHE_DIR: join(repoCold, 'ccache') });
    rmSync(repoCold, { recursive: true, force: true });
    report.cold = {
      nightlyMs: nightly.wallMs,
      floorMs: makes + boots,
      ratio: +(nightly.wallMs / (makes + boots)).toFixed(2),
      rawMakeMs: makes,
      bootFloorMs: boots,
      reproMs: repro.wallMs,
      peakRssMiB: nightly.peakRssMiB,
    };
  }
  process.stderr.write('warm nightly\n');
  await bootlab(['run', 'nightly']); // fills the cache if needed; not timed
  const nightly = await bootlab(['run', 'nightly']);
  const floor = await bootFloor(nightly.dir);
  const repro = await bootlab(['repro', 'repro-arm64-numa-panic']);
  const latencies = [...panicLatencies(nightly.dir), ...panicLatencies(repro.dir)];
  report.warm = {
    nightlyMs: nightly.wallMs,
    bootFloorMs: floor,
    ratio: +(nightly.wallMs / floor).toFixed(2),
    nightlyExitCode: nightly.exitCode,
    reproMs: repro.wallMs,
    panicToVerdictMs: { max: Math.max(...latencies), all: latencies },
    peakRssMiB: Math.max(nightly.peakRssMiB, repro.peakRssMiB),
  };
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30) };
mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
const file = join(REPO_ROOT, 'results', `bench-${new Date().toISOString().slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, ...report }, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
console.log(`written to ${file}`);
