/**
 * Run a matrix: build what the jobs need, boot each job as soon as its kernel is ready,
 * judge it, compare variants with the baseline, and write the run directory:
 *
 *   results/<run-id>/summary.json       the result model (harness/results/model.ts)
 *   results/<run-id>/jobs/<id>/         console.log, console.timed.log, result.json, crash.txt, cma.txt
 *   results/<run-id>/builds/<arch>-<variant>.log
 *   results/latest -> <run-id>
 *
 * Every file is written atomically; summary.json is rewritten after each job, so an
 * interrupted run keeps what finished and says so (state "interrupted").
 */
import PQueue from 'p-queue';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ARCHES, type ArchName } from '../arch.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import type { BuildOutcome } from '../build/kernel.ts';
import { defaultBootConcurrency } from '../boot/boot.ts';
import { buildKey, requireBuildTools, scheduleBuilds } from '../build/schedule.ts';
import { formatCmaCheck } from '../cma/check.ts';
import type { MonitorOptions } from '../boot/console.ts';
import { formatCrashText } from '../crash/report.ts';
import { judge, tally } from '../results/evaluate.ts';
import { guestInitramfs } from '../image/initramfs.ts';
import { runBootJob, type JobResult } from './job.ts';
import { configHasNuma } from '../build/kconfig.ts';
import { expectationFor, type JobSpec, type Matrix } from '../matrix.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { onInterrupt, run as runProcess } from '../util/proc.ts';
import { machineConfig, type Profile } from '../boot/profile.ts';
import type { BuildRecord, JobRecord, RunSummary } from '../results/model.ts';
import { SUMMARY_SCHEMA_VERSION } from '../results/model.ts';
import { writeOutputs } from '../results/write.ts';
import { loadStackedSeries, type Series } from '../source/series.ts';
import { resolveSource, type KernelSource } from '../source/tree.ts';

export interface RunOptions {
  readonly matrix: Matrix;
  readonly jobs: readonly JobSpec[];
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly kernelSrc?: string;
  readonly outDir: string;
  readonly parallel?: number;
  readonly monitor?: Partial<MonitorOptions>;
  readonly onEvent?: (e: RunEvent) => void;
  /** Series already loaded, by variant name (a series given by path); others load from patches/. */
  readonly series?: ReadonlyMap<string, Series>;
  /** Jobs already finished in an earlier, interrupted run of the same directory. */
  readonly resumed?: readonly JobRecord[];
}

export type RunEvent =
  | { readonly type: 'build-start'; readonly arch: ArchName; readonly variant: string }
  | { readonly type: 'build-done'; readonly build: BuildRecord }
  | { readonly type: 'boot-start'; readonly job: JobSpec }
  | { readonly type: 'job-done'; readonly job: JobRecord };

export function newRunId(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

async function firstLine(file: string, args: string[]): Promise<string> {
  const r = await runProcess(file, args);
  return r.exitCode === 0 ? (r.output.split('\n')[0] ?? '').trim() : 'unavailable';
}

async function toolVersions(arches: readonly ArchName[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const a of arches) {
    out[`${ARCHES[a].crossCompile}gcc`] = await firstLine(`${ARCHES[a].crossCompile}gcc`, ['--version']);
    out[ARCHES[a].machine.qemu] = await firstLine(ARCHES[a].machine.qemu, ['--version']);
  }
  out.node = process.version;
  return out;
}

async function bootlabVersion(): Promise<RunSummary['bootlab']> {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await runProcess('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD']);
  return { version: pkg.version, ...(r.exitCode === 0 ? { commit: r.output.trim() } : {}) };
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

export async function runMatrix(o: RunOptions): Promise<RunSummary> {
  const started = new Date();
  const runDir = o.outDir;
  mkdirSync(join(runDir, 'jobs'), { recursive: true });
  const emit = o.onEvent ?? (() => {});

  // Impossible profiles fail here, before anything is built or booted.
  for (const j of o.jobs) machineConfig(j.arch, o.profiles.get(j.profile)!);
  const arches = [...new Set(o.jobs.map((j) => j.arch))];
  const variantNames = [...new Set(o.jobs.map((j) => j.variant))];
  const series = new Map<string, Series>(variantNames.filter((v) => v !== 'baseline').map((v) => [v, o.series?.get(v) ?? loadStackedSeries(v)]));
  requireBuildTools(arches);
  const source: KernelSource = await resolveSource(o.kernelSrc);

  const done = new Map<string, JobRecord>((o.resumed ?? []).map((j) => [j.id, j]));
  const builds: BuildRecord[] = [];
  const header = {
    schema: SUMMARY_SCHEMA_VERSION as typeof SUMMARY_SCHEMA_VERSION,
    runId: relative(join(runDir, '..'), runDir),
    matrix: o.matrix.name,
    startedAt: started.toISOString(),
    bootlab: await bootlabVersion(),
    kernel: { version: source.version, origin: source.origin, sourceHash: source.hash, ...(source.gitCommit ? { gitCommit: source.gitCommit } : {}) },
    series: [...series.values()].map((s) => ({ name: s.name, hash: s.hash, patches: s.patches.map((p) => ({ file: p.file, sha256: p.sha256 })) })),
    tools: await toolVersions(arches),
  };
  const summarize = (state: RunSummary['state']): RunSummary => {
    const jobs = o.jobs.map(
      (spec) =>
        done.get(spec.id) ?? {
          id: spec.id,
          arch: spec.arch,
          variant: spec.variant,
          profile: spec.profile,
          verdict: 'not-run' as const,
          reason: state === 'interrupted' ? 'the run was interrupted before this job finished' : 'not run',
          expected: expectationFor(spec, o.matrix.expect),
          asExpected: false,
          problems: ['not run'],
          crashes: [],
          durationMs: 0,
          files: {},
          attempts: 0,
        },
    );
    const finished = new Date();
    return {
      ...header,
      state,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      builds: [...builds],
      jobs,
      ...tally(jobs),
    };
  };
  const save = (state: RunSummary['state']): RunSummary => {
    const s = summarize(state);
    writeFileAtomic(join(runDir, 'summary.json'), `${JSON.stringify(s, null, 2)}\n`);
    return s;
  };
  const removeHook = onInterrupt(() => {
    const s = save('interrupted');
    writeOutputs(s, runDir);
    pointLatest(runDir);
  });
  save('interrupted');
  pointLatest(runDir);

  const todo = o.jobs.filter((j) => !done.has(j.id));
  const kernels = [...new Set(todo.map((j) => `${j.arch}\0${j.variant}`))].map((k) => {
    const [arch, variant] = k.split('\0') as [ArchName, string];
    return { arch, ...(variant !== 'baseline' ? { series: series.get(variant)! } : {}) };
  });
  const built = scheduleBuilds({
    source,
    kernels,
    onEvent: (e) => {
      if (e.type === 'start') emit({ type: 'build-start', arch: e.arch, variant: e.variant });
      else {
        const rec = buildRecord(e.outcome, runDir);
        builds.push(rec);
        emit({ type: 'build-done', build: rec });
      }
    },
  });

  const queue = new PQueue({ concurrency: o.parallel ?? defaultBootConcurrency() });
  const initrds = new Map(arches.map((a) => [a, guestInitramfs(a)]));
  await Promise.all(
    todo.map(async (spec) => {
      const outcome = await built.get(buildKey(spec.arch, spec.variant))!;
      const expected = expectationFor(spec, o.matrix.expect);
      const jobDir = join(runDir, 'jobs', spec.id);
      let record: JobRecord;
      if (!outcome.ok) {
        record = {
          id: spec.id,
          arch: spec.arch,
          variant: spec.variant,
          profile: spec.profile,
          verdict: 'build-failed',
          reason: `build failed: ${outcome.errors[0] ?? 'see the build log'}`,
          expected,
          asExpected: false,
          problems: [`the ${spec.arch}/${spec.variant} kernel did not build`],
          crashes: [],
          durationMs: 0,
          files: {},
          attempts: 0,
        };
      } else {
        const machine = machineConfig(spec.arch, o.profiles.get(spec.profile)!, configHasNuma(outcome.config));
        const initrd = await initrds.get(spec.arch)!;
        record = await queue.add(
          async () => {
            emit({ type: 'boot-start', job: spec });
            const attempts: JobResult[] = [];
            // infra-error is retried; an unexpected outcome is re-run once to tell a real
            // failure from a flaky one.
            for (let i = 0; i <= o.matrix.retries; i++) {
              rmSync(jobDir, { recursive: true, force: true });
              const monitor = monitorForAttempt(i, o.matrix, o.monitor);
              const r = await runBootJob({ id: spec.id, machine, kernel: outcome.image, initrd, outDir: jobDir, symbols: { systemMap: outcome.systemMap, config: outcome.config }, ...(monitor ? { monitor } : {}) }, spec.variant, outcome.vmlinux);
              attempts.push(r);
              const ok = judge(expected, r).length === 0;
              if (r.verdict !== 'infra-error' && (ok || attempts.length > 1)) break;
            }
            return toRecord(spec, expected, attempts, runDir, jobDir);
          },
          { throwOnTimeout: true },
        );
      }
      done.set(spec.id, record);
      save('interrupted');
      emit({ type: 'job-done', job: record });
    }),
  );
  removeHook();
  const summary = save('complete');
  writeOutputs(summary, runDir);
  pointLatest(runDir);
  return summary;
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

function toRecord(spec: JobSpec, expected: JobRecord['expected'], attempts: readonly JobResult[], runDir: string, jobDir: string): JobRecord {
  const last = attempts.at(-1)!;
  const verdicts = attempts.map((a) => a.verdict);
  const real = verdicts.filter((v) => v !== 'infra-error');
  const flaky = new Set(real).size > 1;
  const problems = judge(expected, last);
  const files: { console?: string; result?: string; crash?: string; cma?: string } = {
    console: relative(runDir, last.consoleLog),
    result: relative(runDir, join(jobDir, 'result.json')),
  };
  if (last.crashes.length > 0) {
    writeFileAtomic(join(jobDir, 'crash.txt'), `${last.crashes.map(formatCrashText).join('\n\n')}\n`);
    files.crash = relative(runDir, join(jobDir, 'crash.txt'));
  }
  writeFileAtomic(join(jobDir, 'cma.txt'), `${formatCmaCheck(last.cma)}\n`);
  files.cma = relative(runDir, join(jobDir, 'cma.txt'));
  return {
    id: spec.id,
    arch: spec.arch,
    variant: spec.variant,
    profile: spec.profile,
    verdict: last.verdict,
    reason: last.reason,
    expected,
    asExpected: problems.length === 0,
    problems,
    crashes: last.crashes,
    cma: last.cma,
    durationMs: last.durationMs,
    files,
    qemuArgv: last.qemu.argv,
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

/** Exit code of a finished run: 1 if anything is not as expected, 3 if only infrastructure failed. */
export function runExitCode(s: RunSummary): number {
  const unexpected = s.jobs.filter((j) => !j.asExpected);
  if (unexpected.length === 0) return 0;
  return unexpected.every((j) => j.verdict === 'infra-error') ? 3 : 1;
}
