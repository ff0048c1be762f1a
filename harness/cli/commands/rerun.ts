/**
 * bootlab rerun <job-dir> | <run-dir> --job ID: boot a job again through the same runner, with
 * what it booted (kernel, its build's files, initramfs, machine) and what it was expected to
 * do, as often as --repeat says; print how many boots ended each way.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Profile } from '../../boot/profile.ts';
import { oneGroupMatrix } from '../../matrix.ts';
import { exitCode } from '../../results/exit.ts';
import { loadRunDir, parseJobRecord } from '../../results/load.ts';
import { isBooted, type BootedJob, type RunSummary } from '../../results/model.ts';
import { fileFact } from '../../util/file-facts.ts';
import { sha256File } from '../../util/hash.ts';
import { readJsonFile } from '../../util/json.ts';
import { UserError } from '../../util/errors.ts';
import type { OptionValues } from '../command.ts';
import { positiveInteger, string } from '../options.ts';
import { describeRerun } from '../printer.ts';
import { runFromCommandLine } from '../run-matrix.ts';

export async function run(values: OptionValues, positionals: readonly string[]): Promise<number> {
  if (positionals.length !== 1) throw new UserError('bootlab rerun takes one job directory (results/<run>/jobs/<id>), or a run directory and --job ID.');
  const repeat = positiveInteger(values, 'repeat') ?? 1;
  if (repeat > 1 && values.gdb === true && string(values, 'break') === undefined && string(values, 'gdb-batch') === undefined) {
    throw new UserError('--gdb waits for you to attach gdb to one paused boot: give it without --repeat, or give gdb its work with --break FUNC or --gdb-batch FILE.');
  }
  const { job, run } = findJob(resolve(positionals[0]!), string(values, 'job'));
  await requireUnchanged(job);
  const m = job.machine;
  const profile: Profile = {
    name: job.profile,
    description: `as ${job.id} booted`,
    memoryMiB: m.memoryMiB,
    smp: m.smp,
    earlycon: m.earlycon,
    cmdline: m.cmdline,
    ...(m.numa ? { numa: m.numa } : {}),
    ...(m.reservedPools ? { reservedPools: m.reservedPools } : {}),
  };
  const e = job.expected;
  const matrix = oneGroupMatrix('rerun', { arches: [job.arch], variants: [job.variant], profiles: [job.profile] }, [
    { verdict: e.verdict, cma: e.cma, ...(e.title !== undefined ? { title: e.title } : {}), ...(e.why !== undefined ? { why: e.why } : {}) },
  ]);
  const k = job.kernel;
  const { summary, runDir } = await runFromCommandLine(values, {
    matrix,
    profiles: new Map([[profile.name, profile]]),
    prebuilt: {
      kernel: { image: k.path, rebuild: k.rebuild, ...(k.vmlinux ? { vmlinux: k.vmlinux } : {}), ...(k.systemMap ? { systemMap: k.systemMap } : {}), ...(k.config ? { config: k.config } : {}) },
      initrd: job.initrd.path,
      ...(run ? { source: { kernel: run.kernel, series: run.series } } : {}),
    },
    repeat,
  });
  for (const j of summary.jobs) if (isBooted(j)) process.stdout.write(describeRerun(j, runDir));
  return exitCode(summary);
}

/** The job's record, from its run's summary when there is one, else from its result.json. */
function findJob(path: string, id: string | undefined): { job: BootedJob; run?: RunSummary } {
  let job;
  let run: RunSummary | undefined;
  if (id !== undefined) {
    run = loadRunDir(path);
    job = run.jobs.find((j) => j.id === id);
    if (!job) throw new UserError(`${path} has no job "${id}". Its jobs: ${run.jobs.map((j) => j.id).join(', ')}.`);
  } else {
    const file = join(path, 'result.json');
    if (!existsSync(file)) {
      throw new UserError(`${path} is not a job directory (it has no result.json). Give results/<run>/jobs/<id>, or a run directory with --job ID.`);
    }
    job = parseJobRecord(readJsonFile(file), file);
    const runDir = dirname(dirname(path));
    if (basename(dirname(path)) === 'jobs' && existsSync(join(runDir, 'summary.json'))) run = loadRunDir(runDir);
  }
  if (!isBooted(job)) throw new UserError(`Job ${job.id} did not boot (${job.verdict}: ${job.reason}): there is nothing to boot again.`);
  return { job, ...(run ? { run } : {}) };
}

/** The kernel and initramfs must be the files the job booted. */
async function requireUnchanged(job: BootedJob): Promise<void> {
  for (const [what, f] of [['kernel', job.kernel], ['initramfs', job.initrd]] as const) {
    if (!existsSync(f.path)) throw new UserError(`The ${what} ${job.id} booted, ${f.path}, is gone. Build it again: ${job.kernel.rebuild}`);
    const now = await fileFact(f.path, 'sha256', () => sha256File(f.path));
    if (now !== f.sha256) throw new UserError(`The ${what} ${f.path} is not the file ${job.id} booted (sha256 ${now}, then ${f.sha256}). Build it again: ${job.kernel.rebuild}`);
  }
}
