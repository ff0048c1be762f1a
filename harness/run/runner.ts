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
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ARCHES, type ArchName } from '../arch.ts';
import { defaultBootConcurrency } from '../boot/boot.ts';
import type { MonitorOptions } from '../boot/console.ts';
import { machineConfig, requireKernelFits, type MachineConfig, type Profile } from '../boot/profile.ts';
import { configHasNuma } from '../kbuild/kconfig.ts';
import type { BuildOutcome } from '../kbuild/build.ts';
import { buildKey, requireBuildTools, scheduleBuilds } from '../kbuild/schedule.ts';
import { guestInitramfs } from '../image/initramfs.ts';
import { expectationFor, variantSlug, type JobSpec, type Matrix } from '../matrix.ts';
import { judge, tally } from '../results/evaluate.ts';
import { newRunId, SUMMARY_SCHEMA_VERSION, type BootRecord, type BootedJob, type BuildRecord, type Expectation, type JobFiles, type JobRecord, type RunSummary } from '../results/model.ts';
import { loadStackedSeries, PATCH_DIR, type Series } from '../source/series.ts';
import { resolveSource } from '../source/tree.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { sha256File } from '../util/hash.ts';
import { gitHead } from '../util/git-head.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { onInterrupt } from '../util/children.ts';
import { toolVersion } from '../util/file-facts.ts';
import { programs } from '../setup/packages.ts';
import { requireTools } from '../util/tools.ts';
import { UserError } from '../util/errors.ts';
import { DEFAULT_CONFIG, parseVariant, variantName, type KernelVariant } from '../variant.ts';
import { settled } from '../util/promise.ts';
import type { GdbBatch } from '../boot/gdb.ts';
import { isFlaky, signatureOf, tallyOf } from '../results/tally.ts';
import { bootAgain, reportedBoot, reportedRepeat, type Judged } from './attempts.ts';
import { runBootJob, type Attempt, type KernelArtifacts } from './job.ts';

/** The variant name of a kernel given as an image (bootlab boot --kernel). */
export const PREBUILT = 'prebuilt';

/** Where a run's kernels come from. */
export type KernelSupply =
  /** Built from a tree (default: Debian's linux-source-6.1), baseline and every series variant. */
  | { readonly kind: 'build'; readonly kernelSrc?: string; /** Series already loaded, by variant name; others load from patches/. */ readonly series?: ReadonlyMap<string, Series> }
  /**
   * A kernel already built, booted as it is, for every job: an image given with --kernel, or
   * (bootlab rerun) the kernel a job booted, with its build's files and where it came from.
   */
  | {
      readonly kind: 'prebuilt';
      readonly kernel: KernelArtifacts;
      readonly source?: Pick<RunSummary, 'kernel' | 'series'>;
      /** The initramfs to boot with, instead of the one images/init.c makes today. */
      readonly initrd?: string;
    };

export interface RunOptions {
  readonly matrix: Matrix;
  readonly jobs: readonly JobSpec[];
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly kernels: KernelSupply;
  readonly outDir: string;
  /** @default the run's start time, 20261203T191711Z */
  readonly runId?: string;
  /** Boots at once. @default cores + 1 */
  readonly parallel?: number;
  /** The command line's monitor options; they override the matrix's inactivity window. */
  readonly monitor?: Partial<MonitorOptions>;
  readonly onEvent?: (e: RunEvent) => void;
  /** The summary of an interrupted run of the same matrix in outDir: its finished jobs are kept, the rest run. */
  readonly resumed?: RunSummary;
  /**
   * Boot each job this many times (more than once: in parallel, each boot in jobs/<id>/boot-<n>/), with no
   * retry or confirmation: bootlab rerun --repeat. The record reports the tally.
   */
  readonly repeat?: number;
  /** Boot under gdb (boot/boot.ts): unattended with `batch`, else for a person to attach. */
  readonly gdb?: { readonly batch?: GdbBatch };
  /** Write guest memory to an ELF core when a boot crashes or hangs. */
  readonly dump?: boolean;
}

export type RunEvent =
  | { readonly type: 'build-start'; readonly arch: ArchName; readonly variant: string }
  | { readonly type: 'build-done'; readonly build: BuildRecord }
  | { readonly type: 'boot-start'; readonly job: JobSpec }
  /** A boot waits for a person's gdb: `jobDir` holds gdb.sock, `vmlinux` the symbols. */
  | { readonly type: 'gdb-wait'; readonly job: JobSpec; readonly jobDir: string; readonly vmlinux?: string }
  | { readonly type: 'job-done'; readonly job: JobRecord };

/** results/<run-id>, with a suffix when a run started in the same second already has it. */
export function defaultRunDir(now = new Date()): string {
  const base = join(REPO_ROOT, 'results', newRunId(now));
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
  return dir;
}

/** What a summary says before its jobs: the run, bootlab, the kernel source (the tools come as they are asked). */
type Header = Omit<RunSummary, 'tools' | 'state' | 'finishedAt' | 'durationMs' | 'builds' | 'jobs' | 'comparisons' | 'counts'>;

/** A kernel ready to boot, or the reason there is none. */
type Supplied = { readonly ok: true; readonly kernel: KernelArtifacts; readonly hasNuma?: boolean } | { readonly ok: false; readonly reason: string };

export async function runMatrix(o: RunOptions): Promise<RunSummary> {
  const started = o.resumed ? new Date(o.resumed.startedAt) : new Date();
  const runDir = o.outDir;
  const emit = o.onEvent ?? (() => {});
  // Impossible profiles fail here, before anything is built or booted; the machines are kept.
  const machines = new Map<string, MachineConfig>(o.jobs.map((j) => [j.id, machineConfig(j.arch, o.profiles.get(j.profile)!)]));
  const arches = [...new Set(o.jobs.map((j) => j.arch))];
  requireTools(programs(...arches.map((a) => ARCHES[a].machine.qemu)), `Booting ${arches.join(', ')}`);
  const previous = o.resumed?.jobs ?? [];
  const done = new Map<string, JobRecord>(previous.filter((j) => j.verdict !== 'not-run').map((j) => [j.id, j]));
  // A resumed run keeps every job it had, those the filters leave out of this one included.
  const specs: JobSpec[] = [...o.jobs, ...previous.filter((j) => !o.jobs.some((s) => s.id === j.id)).map((j) => ({ id: j.id, arch: j.arch, variant: j.variant, profile: j.profile }))];
  const todo = o.jobs.filter((j) => !done.has(j.id));
  const builds: BuildRecord[] = [...(o.resumed?.builds ?? [])];
  const source = await kernelSource(o, todo, runDir, builds, emit);
  if (o.resumed) requireSameRun(o.resumed, o.matrix, source.series, runDir);
  mkdirSync(join(runDir, 'jobs'), { recursive: true });

  const header: Header = {
    schema: SUMMARY_SCHEMA_VERSION,
    runId: o.resumed?.runId ?? o.runId ?? newRunId(started),
    matrix: o.matrix.name,
    gate: o.matrix.gate,
    startedAt: started.toISOString(),
    bootlab: bootlabVersion(),
    kernel: source.kernel,
    series: source.series,
  };
  let tools: Readonly<Record<string, string>> = o.resumed?.tools ?? {};
  const summarize = (state: RunSummary['state']): RunSummary => {
    const jobs = specs.map(
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
    return { ...header, tools, state, finishedAt: finished.toISOString(), durationMs: finished.getTime() - started.getTime(), builds: [...builds], jobs, ...tally(jobs) };
  };
  const save = (state: RunSummary['state']): RunSummary => {
    const s = summarize(state);
    writeFileAtomic(join(runDir, 'summary.json'), `${JSON.stringify(s, null, 2)}\n`);
    return s;
  };
  // The report writers (xml2js) load once the first job has finished, not at start-up: on a
  // warm run nothing a boot waits for is loaded after QEMU starts.
  let writeOutputs: ((s: RunSummary, dir: string) => void) | undefined;
  let writers: Promise<unknown> | undefined;
  const loadWriters = (): Promise<unknown> =>
    (writers ??= import('../results/write.ts').then((w) => {
      writeOutputs = w.writeOutputs;
    }));
  const removeHook = onInterrupt(() => {
    const s = save('interrupted');
    // Not loaded yet: bootlab report <run-dir> writes them from summary.json.
    writeOutputs?.(s, runDir);
    pointLatest(runDir);
  });
  try {
    save('interrupted');
    pointLatest(runDir);
    // The tools' versions are asked (once per binary, then remembered) while the first boots
    // run: no boot waits for them.
    const versions = toolVersions(arches).then((asked) => {
      tools = { ...tools, ...asked };
    });
    const queue = new PQueue({ concurrency: o.parallel ?? defaultBootConcurrency() });
    const given = o.kernels.kind === 'prebuilt' ? o.kernels.initrd : undefined;
    const initrds = new Map(arches.map((a) => [a, settled(given !== undefined ? Promise.resolve(given) : guestInitramfs(a))]));
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
              rmSync(jobDir, { recursive: true, force: true });
              await versions; // reproduce.sh names the tools
              const judged = (r: Attempt): Booted => ({ ...r, ok: judge(expected, r).length === 0 });
              const setup = {
                id: spec.id,
                machine,
                kernel: supplied.kernel,
                initrd,
                runDir,
                // The job's own series and tools, not all of the run's.
                provenance: {
                  job: spec.id,
                  run: { ...header, series: header.series.filter((s) => s.name === parseVariant(spec.variant, `job ${spec.id}`).series), tools: pick(tools, [`${ARCHES[spec.arch].crossCompile}gcc`, ARCHES[spec.arch].machine.qemu]) },
                },
                ...(o.gdb ? { gdb: o.gdb } : {}),
                ...(o.dump ? { dump: true } : {}),
              };
              if (o.gdb && !o.gdb.batch) emit({ type: 'gdb-wait', job: spec, jobDir, ...(supplied.kernel.vmlinux ? { vmlinux: supplied.kernel.vmlinux } : {}) });
              const boots: Booted[] = [];
              const repeated = (o.repeat ?? 1) > 1;
              if (repeated) {
                // Each boot is its own queue item: --parallel runs several at once.
                const repeats = Array.from({ length: o.repeat! }, (_, k) =>
                  queue.add(async () => judged(await runBootJob({ ...setup, jobDir: join(jobDir, `boot-${k + 1}`), ...(o.monitor ? { monitor: o.monitor } : {}) })), { throwOnTimeout: true }),
                );
                boots.push(...(await Promise.all(repeats)));
              } else {
                while (bootAgain(boots, o.matrix.retries)) {
                  // What an earlier boot of this job left is kept, in attempt-<n>/.
                  if (boots.length > 0) boots[boots.length - 1] = setAside(boots.at(-1)!, jobDir, runDir, boots.length);
                  const monitor = monitorForAttempt(boots.length, o.matrix, o.monitor);
                  boots.push(judged(await runBootJob({ ...setup, jobDir, ...(monitor ? { monitor } : {}) })));
                }
              }
              const booted = bootedRecord(spec, expected, boots, relative(runDir, join(jobDir, 'result.json')), repeated);
              writeFileAtomic(join(runDir, booted.files.result), `${JSON.stringify(booted, null, 2)}\n`);
              return booted;
            },
            { throwOnTimeout: true },
          );
        }
        done.set(spec.id, record);
        void settled(loadWriters());
        save('interrupted');
        emit({ type: 'job-done', job: record });
      }),
    );
    await Promise.all([versions, loadWriters()]);
  } finally {
    removeHook();
  }
  const summary = save('complete');
  writeOutputs!(summary, runDir);
  pointLatest(runDir);
  return summary;
}

/** A run resumed with other settings would mix two runs in one summary. */
function requireSameRun(previous: RunSummary, matrix: Matrix, series: RunSummary['series'], runDir: string): void {
  const differs = (what: string, was: string, now: string): UserError =>
    new UserError(`--resume ${runDir}: that run's ${what} was ${was}, this one's is ${now}. Resume it with the command that started it, or start a new run.`);
  if (previous.matrix !== matrix.name) throw differs('matrix', `"${previous.matrix}"`, `"${matrix.name}"`);
  if (previous.gate !== matrix.gate) throw differs('gate', previous.gate, matrix.gate);
  const ids = (ss: RunSummary['series']): string => ss.map((s) => `${s.name}@${s.hash.slice(0, 12)}`).sort().join(', ') || 'none';
  if (ids(previous.series) !== ids(series)) throw differs('series', ids(previous.series), ids(series));
}

function pick(record: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => k in record).map((k) => [k, record[k]!]));
}

/** A boot, judged against its job's expectation. */
type Booted = Attempt & Judged;

/**
 * Move what a boot left in the job's directory into attempt-<n>/, so the next boot starts
 * clean; the boot's files are then found there.
 */
function setAside(boot: Booted, jobDir: string, runDir: string, n: number): Booted {
  const into = `attempt-${n}`;
  mkdirSync(join(jobDir, into), { recursive: true });
  for (const f of readdirSync(jobDir)) if (!f.startsWith('attempt-')) renameSync(join(jobDir, f), join(jobDir, into, f));
  const dir = `${relative(runDir, jobDir)}/`;
  const files = Object.fromEntries(Object.entries(boot.files).map(([k, v]) => [k, (v as string).replace(dir, `${dir}${into}/`)])) as unknown as JobFiles;
  return { ...boot, files };
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
    for (const j of todo) kernels.set(buildKey(j.arch, j.variant), Promise.resolve({ ok: true, kernel: supply.kernel }));
    const image = supply.kernel.image;
    return supply.source ? { ...supply.source, kernels } : { kernel: { version: imageVersion(image), origin: image, sourceHash: await sha256File(image) }, series: [], kernels };
  }
  // Every series the run's jobs name, loaded once: "bug-zoo@debug" and "bug-zoo" share theirs.
  const variants = new Map<string, KernelVariant>();
  const series = new Map<string, Series>();
  for (const j of o.jobs) {
    if (variants.has(j.variant)) continue;
    const spec = parseVariant(j.variant, `job ${j.id}`);
    let s: Series | undefined;
    if (spec.series !== undefined) {
      s = series.get(spec.series) ?? supply.series?.get(spec.series) ?? loadStackedSeries(spec.series);
      series.set(spec.series, s);
    }
    variants.set(j.variant, { name: j.variant, config: spec.config, ...(s ? { series: s } : {}) });
  }
  const arches = [...new Set(todo.map((j) => j.arch))];
  requireBuildTools(arches);
  const source = await resolveSource(supply.kernelSrc);
  const wanted = [...new Set(todo.map((j) => `${j.arch}\0${j.variant}`))].map((k) => {
    const [arch, variant] = k.split('\0') as [ArchName, string];
    return { arch, variant: variants.get(variant)! };
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
          ? { ok: true, kernel: { image: b.image, vmlinux: b.vmlinux, systemMap: b.systemMap, config: b.config, rebuild: rebuildCommand(b.arch, variants.get(b.variant) ?? { name: b.variant, config: parseVariant(b.variant, 'build').config }, supply.kernelSrc) }, hasNuma: configHasNuma(b.config) }
          : { ok: false, reason: `build failed: ${b.errors[0] ?? 'see the build log'}` },
      ),
    );
  }
  return {
    kernel: { version: source.version, origin: source.origin, sourceHash: source.hash, ...(source.gitCommit ? { gitCommit: source.gitCommit } : {}) },
    series: [...new Map([...series.values()].map((s) => [s.name, s])).values()].map((s) => ({ name: s.name, hash: s.hash, patches: s.patches.map((p) => ({ file: p.file, sha256: p.sha256 })) })),
    kernels,
  };
}

/** The bootlab command that builds a kernel again: its arch, its variant, its tree. */
function rebuildCommand(arch: ArchName, variant: KernelVariant, kernelSrc: string | undefined): string {
  const s = variant.series;
  // A series outside patches/ is named by its directory; stacked ones by their names.
  const name = s && !s.name.includes('+') && dirname(s.dir) !== PATCH_DIR ? s.dir : s?.name;
  const series = name === undefined && variant.config === DEFAULT_CONFIG ? undefined : variantName(name, variant.config);
  return ['bootlab build', `--arch ${arch}`, ...(series ? [`--series ${series}`] : []), ...(kernelSrc ? [`--kernel-src ${resolve(kernelSrc)}`] : [])].join(' ');
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
  const dest = join(runDir, 'builds', `${b.arch}-${variantSlug(b.variant)}.log`);
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

/** A booted job's record: the boot it reports (run/attempts.ts), judged, with every boot and their tally. */
function bootedRecord(spec: JobSpec, expected: Expectation, boots: readonly Booted[], resultFile: string, repeated: boolean): BootedJob {
  const { ok: _, ...reported } = boots[repeated ? reportedRepeat(boots) : reportedBoot(boots)]!;
  const problems = judge(expected, reported);
  const records: BootRecord[] = boots.map((b) => ({ verdict: b.verdict, signature: signatureOf(b), asExpected: b.ok, reason: b.reason, console: b.files.console }));
  const tally = tallyOf(records);
  const flaky = isFlaky(tally);
  return {
    ...jobHead(spec, expected),
    ...reported,
    files: { ...reported.files, result: resultFile },
    asExpected: problems.length === 0,
    problems,
    boots: records,
    tally,
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
