/**
 * The job runner: every command that boots kernels (boot, run, repro, validate) is a matrix
 * run by this one function. It gets the kernels the jobs need (building them, or taking one
 * prebuilt image), boots each job as soon as its kernel is ready, judges it, compares
 * variants with the baseline, and writes the run directory:
 *
 *   <run>/summary.json       the result model (harness/results/model.ts)
 *   <run>/jobs/<id>/         console.log, console.timed.log, result.json, cma.txt, crash.txt, ...
 *   <run>/builds/<arch>-<variant>.log
 *   results/latest -> <run>  (for runs under results/)
 *
 * Every file is written atomically; summary.json is rewritten after each job, so an
 * interrupted run keeps what finished and says so (state "interrupted").
 */
import PQueue from 'p-queue';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ARCHES, type ArchName } from '../arch.ts';
import { defaultBootConcurrency } from '../boot/boot.ts';
import type { MonitorOptions } from '../boot/console.ts';
import { machineConfig, requireKernelFits, type MachineConfig, type Profile } from '../boot/profile.ts';
import type { Verdict } from '../boot/verdict.ts';
import { configHasNuma } from '../kbuild/kconfig.ts';
import type { BuildOutcome } from '../kbuild/build.ts';
import { buildKey, requireBuildTools, scheduleBuilds } from '../kbuild/schedule.ts';
import { guestInitramfs } from '../image/initramfs.ts';
import { expectationFor, type JobSpec, type Matrix } from '../matrix.ts';
import { judge, tally } from '../results/evaluate.ts';
import { SUMMARY_SCHEMA_VERSION, type BootedJob, type BuildRecord, type Expectation, type JobRecord, type RunSummary } from '../results/model.ts';
import { loadStackedSeries, type Series } from '../source/series.ts';
import { resolveSource } from '../source/tree.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { sha256File } from '../util/hash.ts';
import { gitHead } from '../util/git-head.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { onInterrupt } from '../util/children.ts';
import { toolVersion } from '../util/tool-facts.ts';
import { requireTools } from '../util/tools.ts';
import { runBootJob, type Attempt, type KernelArtifacts } from './job.ts';

/** The variant name of a kernel given as an image (bootlab boot --kernel). */
export const PREBUILT = 'prebuilt';

/** Where a run's kernels come from. */
export type KernelSupply =
  /** Built from a tree (default: Debian's linux-source-6.1), baseline and every series variant. */
  | { readonly kind: 'build'; readonly kernelSrc?: string; /** Series already loaded, by variant name; others load from patches/. */ readonly series?: ReadonlyMap<string, Series> }
  /** One image, booted as it is: every job's variant is "prebuilt". */
  | { readonly kind: 'prebuilt'; readonly image: string };

export interface RunOptions {
  readonly matrix: Matrix;
  readonly jobs: readonly JobSpec[];
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly kernels: KernelSupply;
  readonly outDir: string;
  /** Boots at once. @default cores + 1 */
  readonly parallel?: number;
  /** The command line's monitor options; they override the matrix's inactivity window. */
  readonly monitor?: Partial<MonitorOptions>;
  readonly onEvent?: (e: RunEvent) => void;
  /** Jobs already finished in an earlier, interrupted run of the same directory. */
  readonly resumed?: readonly JobRecord[];
}

export type RunEvent =
  | { readonly type: 'build-start'; readonly arch: ArchName; readonly variant: string }
  | { readonly type: 'build-done'; readonly build: BuildRecord }
  | { readonly type: 'boot-start'; readonly job: JobSpec }
  | { readonly type: 'job-done'; readonly job: JobRecord };

/** A run's id: its start time in UTC, "20261203T191711Z". Every command's runs are named so. */
export function newRunId(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** results/<run-id>, with a suffix when a run started in the same second already has it. */
export function defaultRunDir(now = new Date()): string {
  const base = join(REPO_ROOT, 'results', newRunId(now));
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
  return dir;
}

/** What a summary says before its jobs: the run, bootlab, the kernel source, the tools. */
type Header = Omit<RunSummary, 'state' | 'finishedAt' | 'durationMs' | 'builds' | 'jobs' | 'comparisons' | 'counts'>;

/** A kernel ready to boot, or the reason there is none. */
type Supplied = { readonly ok: true; readonly kernel: KernelArtifacts; readonly hasNuma?: boolean } | { readonly ok: false; readonly reason: string };

export async function runMatrix(o: RunOptions): Promise<RunSummary> {
  const started = new Date();
  const runDir = o.outDir;
  const emit = o.onEvent ?? (() => {});
  // Impossible profiles fail here, before anything is built or booted; the machines are kept.
  const machines = new Map<string, MachineConfig>(o.jobs.map((j) => [j.id, machineConfig(j.arch, o.profiles.get(j.profile)!)]));
  const arches = [...new Set(o.jobs.map((j) => j.arch))];
  requireTools(Object.fromEntries(arches.map((a) => [ARCHES[a].machine.qemu, ARCHES[a].machine.qemuPackage])), `Booting ${arches.join(', ')}`);
  const done = new Map<string, JobRecord>((o.resumed ?? []).map((j) => [j.id, j]));
  const todo = o.jobs.filter((j) => !done.has(j.id));
  const builds: BuildRecord[] = [];
  const source = await kernelSource(o, todo, runDir, builds, emit);
  mkdirSync(join(runDir, 'jobs'), { recursive: true });

  // The tools' versions are asked (once per binary, then remembered) while the first boots
  // run: no boot waits for them; every summary does.
  let header: Header | undefined;
  const ready = toolVersions(arches).then((tools) => {
    header = {
      schema: SUMMARY_SCHEMA_VERSION,
      runId: basename(runDir),
      matrix: o.matrix.name,
      gate: o.matrix.gate,
      startedAt: started.toISOString(),
      bootlab: bootlabVersion(),
      kernel: source.kernel,
      series: source.series,
      tools,
    };
    save('interrupted');
    pointLatest(runDir);
  });
  // Every job awaits it before it saves, and so does the end of the run; a failure (a full
  // disk) surfaces there, not as an unhandled rejection.
  ready.catch(() => {});
  const summarize = (state: RunSummary['state']): RunSummary => {
    const jobs = o.jobs.map(
      (spec): JobRecord =>
        done.get(spec.id) ?? {
          ...jobHead(spec, expectationFor(spec, o.matrix.expect)),
          verdict: 'not-run',
          reason: state === 'interrupted' ? 'the run was interrupted before this job finished' : 'not run',
          asExpected: false,
          problems: ['not run'],
        },
    );
    const finished = new Date();
    return { ...header!, state, finishedAt: finished.toISOString(), durationMs: finished.getTime() - started.getTime(), builds: [...builds], jobs, ...tally(jobs) };
  };
  const save = (state: RunSummary['state']): RunSummary => {
    const s = summarize(state);
    writeFileAtomic(join(runDir, 'summary.json'), `${JSON.stringify(s, null, 2)}\n`);
    return s;
  };
  // The report writers (xml2js) load once the first job has finished, not at start-up: on a
  // warm run nothing that a boot waits for is loaded after QEMU starts.
  let writers: Promise<typeof import('../results/write.ts')> | undefined;
  let writeOutputs: ((s: RunSummary, dir: string) => void) | undefined;
  const loadWriters = (): Promise<unknown> =>
    (writers ??= import('../results/write.ts').then((w) => {
      writeOutputs = w.writeOutputs;
      return w;
    }));
  const removeHook = onInterrupt(() => {
    // Interrupted before the first summary was written: nothing had finished yet.
    if (!header) return;
    const s = save('interrupted');
    // The reports are written again from summary.json by bootlab report <run-dir>.
    writeOutputs?.(s, runDir);
    pointLatest(runDir);
  });

  const queue = new PQueue({ concurrency: o.parallel ?? defaultBootConcurrency() });
  const initrds = new Map(arches.map((a) => [a, guestInitramfs(a)]));
  await Promise.all(
    todo.map(async (spec) => {
      const supplied = await source.kernels.get(buildKey(spec.arch, spec.variant))!;
      const expected = expectationFor(spec, o.matrix.expect);
      let record: JobRecord;
      if (!supplied.ok) {
        record = { ...jobHead(spec, expected), verdict: 'build-failed', reason: supplied.reason, asExpected: false, problems: [`the ${spec.arch}/${spec.variant} kernel did not build`] };
      } else {
        const machine = machines.get(spec.id)!;
        if (supplied.hasNuma !== undefined) requireKernelFits(machine, supplied.hasNuma);
        const initrd = await initrds.get(spec.arch)!;
        record = await queue.add(
          async () => {
            emit({ type: 'boot-start', job: spec });
            const jobDir = join(runDir, 'jobs', spec.id);
            const attempts: Attempt[] = [];
            // infra-error is retried; an unexpected outcome is re-run once to tell a real
            // failure from a flaky one.
            for (let i = 0; i <= o.matrix.retries; i++) {
              rmSync(jobDir, { recursive: true, force: true });
              const monitor = monitorForAttempt(i, o.matrix, o.monitor);
              const r = await runBootJob({ id: spec.id, machine, kernel: supplied.kernel, initrd, runDir, jobDir, ...(monitor ? { monitor } : {}) });
              attempts.push(r);
              const ok = judge(expected, r).length === 0;
              if (r.verdict !== 'infra-error' && (ok || attempts.length > 1)) break;
            }
            const booted = bootedRecord(spec, expected, attempts);
            writeFileAtomic(join(runDir, booted.files.result), `${JSON.stringify(booted, null, 2)}\n`);
            return booted;
          },
          { throwOnTimeout: true },
        );
      }
      done.set(spec.id, record);
      void loadWriters();
      await ready;
      save('interrupted');
      emit({ type: 'job-done', job: record });
    }),
  );
  await Promise.all([ready, loadWriters()]);
  removeHook();
  const summary = save('complete');
  writeOutputs!(summary, runDir);
  pointLatest(runDir);
  return summary;
}

/** The kernels the jobs need, by build key, and what the summary says about their source. */
async function kernelSource(
  o: RunOptions,
  todo: readonly JobSpec[],
  runDir: string,
  builds: BuildRecord[],
  emit: (e: RunEvent) => void,
): Promise<{ kernel: RunSummary['kernel']; series: RunSummary['series']; kernels: Map<string, Promise<Supplied>> }> {
  const supply = o.kernels;
  if (supply.kind === 'prebuilt') {
    const kernels = new Map<string, Promise<Supplied>>();
    for (const j of todo) kernels.set(buildKey(j.arch, j.variant), Promise.resolve({ ok: true, kernel: { image: supply.image } }));
    return { kernel: { version: imageVersion(supply.image), origin: supply.image, sourceHash: await sha256File(supply.image) }, series: [], kernels };
  }
  const variants = [...new Set(o.jobs.map((j) => j.variant))].filter((v) => v !== 'baseline');
  const series = new Map<string, Series>(variants.map((v) => [v, supply.series?.get(v) ?? loadStackedSeries(v)]));
  const arches = [...new Set(todo.map((j) => j.arch))];
  requireBuildTools(arches);
  const source = await resolveSource(supply.kernelSrc);
  const wanted = [...new Set(todo.map((j) => `${j.arch}\0${j.variant}`))].map((k) => {
    const [arch, variant] = k.split('\0') as [ArchName, string];
    return { arch, ...(variant !== 'baseline' ? { series: series.get(variant)! } : {}) };
  });
  const built = scheduleBuilds({
    source,
    kernels: wanted,
    onEvent: (e) => {
      if (e.type === 'start') emit({ type: 'build-start', arch: e.arch, variant: e.variant });
      else {
        const rec = buildRecord(e.outcome, runDir);
        builds.push(rec);
        emit({ type: 'build-done', build: rec });
      }
    },
  });
  const kernels = new Map<string, Promise<Supplied>>();
  for (const [key, outcome] of built) {
    kernels.set(
      key,
      outcome.then((b): Supplied =>
        b.ok
          ? { ok: true, kernel: { image: b.image, vmlinux: b.vmlinux, systemMap: b.systemMap, config: b.config }, hasNuma: configHasNuma(b.config) }
          : { ok: false, reason: `build failed: ${b.errors[0] ?? 'see the build log'}` },
      ),
    );
  }
  return {
    kernel: { version: source.version, origin: source.origin, sourceHash: source.hash, ...(source.gitCommit ? { gitCommit: source.gitCommit } : {}) },
    series: [...series.values()].map((s) => ({ name: s.name, hash: s.hash, patches: s.patches.map((p) => ({ file: p.file, sha256: p.sha256 })) })),
    kernels,
  };
}

/** The release an image says it is ("Linux version 6.1.158 ..."); compressed images do not say. */
function imageVersion(image: string): string {
  return /Linux version (\d+\.\d+\S*)/.exec(readFileSync(image).toString('latin1'))?.[1] ?? 'unknown';
}

async function toolVersions(arches: readonly ArchName[]): Promise<Record<string, string>> {
  const tools = arches.flatMap((a) => [`${ARCHES[a].crossCompile}gcc`, ARCHES[a].machine.qemu]);
  const versions = await Promise.all(tools.map(toolVersion));
  return { ...Object.fromEntries(tools.map((t, i) => [t, versions[i]!])), node: process.version };
}

function bootlabVersion(): RunSummary['bootlab'] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const commit = gitHead(REPO_ROOT);
  return { version: pkg.version, ...(commit ? { commit } : {}) };
}

function buildRecord(b: BuildOutcome, runDir: string): BuildRecord {
  const dest = join(runDir, 'builds', `${b.arch}-${b.variant.replace(/\+/g, '_')}.log`);
  mkdirSync(join(runDir, 'builds'), { recursive: true });
  if (existsSync(b.log)) copyFileSync(b.log, dest);
  return {
    arch: b.arch,
    variant: b.variant,
    ok: b.ok,
    ...(b.ok ? { how: b.how } : { errors: b.errors }),
    durationMs: b.durationMs,
    log: relative(runDir, dest),
    dir: b.dir,
  };
}

/**
 * Console-monitor options for attempt `attempt` (0-based) of a job. The command line wins;
 * otherwise a matrix's short inactivity window applies to the first attempt only, so an
 * unexpected hang is confirmed with bootlab's default window before it counts.
 */
export function monitorForAttempt(attempt: number, matrix: Pick<Matrix, 'inactivityMs'>, cli?: Partial<MonitorOptions>): Partial<MonitorOptions> | undefined {
  if (cli?.inactivityMs !== undefined || attempt > 0 || matrix.inactivityMs === undefined) return cli;
  return { ...cli, inactivityMs: matrix.inactivityMs };
}

function jobHead(spec: JobSpec, expected: Expectation): { id: string; arch: ArchName; variant: string; profile: string; expected: Expectation } {
  return { id: spec.id, arch: spec.arch, variant: spec.variant, profile: spec.profile, expected };
}

/** A booted job's record: its last attempt, judged, with how its attempts went. */
function bootedRecord(spec: JobSpec, expected: Expectation, attempts: readonly Attempt[]): BootedJob {
  const last = attempts.at(-1)!;
  const verdicts: Verdict[] = attempts.map((a) => a.verdict);
  const flaky = new Set(verdicts.filter((v) => v !== 'infra-error')).size > 1;
  const problems = judge(expected, last);
  return {
    ...jobHead(spec, expected),
    ...last,
    asExpected: problems.length === 0,
    problems,
    attempts: attempts.length,
    ...(attempts.length > 1 ? { attemptVerdicts: verdicts } : {}),
    ...(flaky ? { flaky } : {}),
  };
}

/** results/latest -> this run, replaced atomically. */
export function pointLatest(runDir: string): void {
  const parent = join(runDir, '..');
  if (parent !== join(REPO_ROOT, 'results')) return;
  const tmp = join(parent, `.latest-${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(relative(parent, runDir), tmp);
  renameSync(tmp, join(parent, 'latest'));
}
