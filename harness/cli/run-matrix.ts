/**
 * A matrix run from the command line, as boot, run, repro and validate start it: the
 * options every one of them shares (--out, --resume, --parallel, --inactivity, --timeout,
 * --kernel-src), the job filters of run, repro and validate, progress while it runs, and
 * the summary at its end.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { loadProfiles, type Profile } from '../boot/profile.ts';
import { selectJobs, type JobFilter, type Matrix } from '../matrix.ts';
import { loadRunDir } from '../results/load.ts';
import type { RunSummary } from '../results/model.ts';
import { GDB, type GdbBatch } from '../boot/gdb.ts';
import { defaultRunDir, runMatrix, type KernelSupply } from '../run/runner.ts';
import type { Series } from '../source/series.ts';
import { programs } from '../setup/packages.ts';
import { UserError } from '../util/errors.ts';
import { requireTools } from '../util/tools.ts';
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

/** The boot profiles of --profiles FILE, or of configs/profiles.json. */
export function profilesOf(values: OptionValues): Map<string, Profile> {
  const file = string(values, 'profiles');
  return loadProfiles(file === undefined ? undefined : resolve(file));
}

/** --gdb, --break FUNC, --gdb-batch FILE and --dump, as the runner takes them; the last two imply --gdb. */
export function debugOptions(values: OptionValues): { gdb?: { batch?: GdbBatch }; dump?: boolean } {
  const func = string(values, 'break');
  const file = string(values, 'gdb-batch');
  if (func !== undefined && file !== undefined) throw new UserError('--break and --gdb-batch each give gdb its work: give one of them.');
  if (file !== undefined && !existsSync(file)) throw new UserError(`--gdb-batch ${file}: no such file. Give a file of gdb commands (they run after gdb has attached to the paused guest).`);
  const batch: GdbBatch | undefined = func !== undefined ? { break: func } : file !== undefined ? { script: resolve(file) } : undefined;
  const gdb = batch ? { batch } : values.gdb === true ? {} : undefined;
  // Before anything is built or booted.
  if (batch) requireTools(programs(GDB), 'Running gdb on a boot (--break, --gdb-batch)');
  return { ...(gdb ? { gdb } : {}), ...(values.dump === true ? { dump: true } : {}) };
}

export interface MatrixRun {
  readonly matrix: Matrix;
  readonly profiles: ReadonlyMap<string, Profile>;
  /** Series already loaded, by variant name; the others load from patches/ by name. */
  readonly series?: ReadonlyMap<string, Series>;
  /** Boot this kernel as it is (boot --kernel, rerun) instead of building from --kernel-src or Debian's tree. */
  readonly prebuilt?: Omit<Extract<KernelSupply, { kind: 'prebuilt' }>, 'kind'>;
  /** Boot each job this many times (bootlab rerun --repeat). */
  readonly repeat?: number;
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
  const debug = debugOptions(values);
  const out = r.quiet ? process.stderr : process.stdout;
  out.write(describeStart(r.matrix.name, jobs.length, runDir));
  // A person waiting for gdb's command must be able to read it: one line per event.
  const progress = createProgress(out, debug.gdb !== undefined && debug.gdb.batch === undefined);
  const summary = await runMatrix({
    matrix: r.matrix,
    jobs,
    profiles: r.profiles,
    kernels: r.prebuilt ? { kind: 'prebuilt', ...r.prebuilt } : { kind: 'build', ...(kernelSrc !== undefined ? { kernelSrc } : {}), ...(r.series ? { series: r.series } : {}) },
    ...(r.repeat !== undefined ? { repeat: r.repeat } : {}),
    ...debug,
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
