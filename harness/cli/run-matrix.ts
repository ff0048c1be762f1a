/**
 * A matrix run from the command line, as boot, run, repro and validate start it: the
 * options every one of them shares (--out, --resume, --parallel, --inactivity, --timeout,
 * --kernel-src), the job filters of run, repro and validate, progress while it runs, and
 * the summary at its end.
 */
import { basename, resolve } from 'node:path';
import type { Profile } from '../boot/profile.ts';
import { selectJobs, type JobFilter, type Matrix } from '../matrix.ts';
import { loadRunDir } from '../results/load.ts';
import type { RunSummary } from '../results/model.ts';
import { defaultRunDir, runMatrix } from '../run/runner.ts';
import type { Series } from '../source/series.ts';
import { UserError } from '../util/errors.ts';
import type { OptionValues } from './command.ts';
import { arches, list, positiveInteger, seconds, shard, string } from './options.ts';
import { describeRun, describeStart } from './printer.ts';
import { createProgress } from './progress.ts';

/** The job filter of run, repro and validate (cli/commands.ts FILTER_OPTIONS). */
export function jobFilter(values: OptionValues): JobFilter {
  const a = arches(values, 'arch');
  const variants = list(values, 'variant');
  const profiles = list(values, 'profile');
  const only = string(values, 'only');
  const slice = shard(values, 'shard');
  return { ...(a ? { arches: a } : {}), ...(variants ? { variants } : {}), ...(profiles ? { profiles } : {}), ...(only ? { only } : {}), ...(slice ? { shard: slice } : {}) };
}

export interface MatrixRun {
  readonly matrix: Matrix;
  readonly profiles: ReadonlyMap<string, Profile>;
  /** Series already loaded, by variant name; the others load from patches/ by name. */
  readonly series?: ReadonlyMap<string, Series>;
  /** Boot this image (bootlab boot --kernel) instead of building from --kernel-src or Debian's tree. */
  readonly image?: string;
  readonly filter?: JobFilter;
  /** Progress and the summary go to stderr, leaving stdout to the caller (bootlab boot --json). */
  readonly quiet?: boolean;
}

export async function runFromCommandLine(values: OptionValues, r: MatrixRun): Promise<{ summary: RunSummary; runDir: string }> {
  const jobs = selectJobs(r.matrix.jobs, r.filter ?? {});
  if (jobs.length === 0) throw new UserError(`The filters leave no job of ${r.matrix.file} to run.`);
  const parallel = positiveInteger(values, 'parallel');
  const inactivityMs = seconds(values, 'inactivity');
  const timeoutMs = seconds(values, 'timeout');
  const kernelSrc = string(values, 'kernel-src');
  const resume = string(values, 'resume');
  const outDir = string(values, 'out');
  // The run's id is its start time; a directory bootlab names is named after it.
  const runDir = resume !== undefined ? resolve(resume) : outDir !== undefined ? resolve(outDir) : defaultRunDir();
  const runId = resume === undefined && outDir === undefined ? basename(runDir) : undefined;
  const resumed = resume !== undefined ? loadRunDir(runDir) : undefined;
  const out = r.quiet ? process.stderr : process.stdout;
  out.write(describeStart(r.matrix.name, jobs.length, runDir));
  const progress = createProgress(out);
  const summary = await runMatrix({
    matrix: r.matrix,
    jobs,
    profiles: r.profiles,
    kernels: r.image !== undefined ? { kind: 'prebuilt', image: r.image } : { kind: 'build', ...(kernelSrc !== undefined ? { kernelSrc } : {}), ...(r.series ? { series: r.series } : {}) },
    outDir: runDir,
    ...(runId ? { runId } : {}),
    ...(parallel ? { parallel } : {}),
    ...(inactivityMs || timeoutMs ? { monitor: { ...(inactivityMs ? { inactivityMs } : {}), ...(timeoutMs ? { timeoutMs } : {}) } } : {}),
    ...(resumed ? { resumed } : {}),
    onEvent: (e) => progress.event(e),
  }).finally(() => progress.stop());
  out.write(`${describeRun(summary, runDir)}\n`);
  return { summary, runDir };
}
