import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARCH_NAMES, parseArchList } from '../arch.ts';
import type { Command, OptionValues } from '../cli/main.ts';
import { UserError } from '../util/errors.ts';
import { loadMatrix, parseShard, selectJobs, type Matrix } from '../matrix.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { formatDuration } from '../cli/printer.ts';
import { createProgress } from '../cli/progress.ts';
import { loadProfiles } from '../boot/profile.ts';
import type { RunSummary } from '../results/model.ts';
import { OUTPUT_FILES } from '../results/write.ts';
import { newRunId, runExitCode, runMatrix } from '../run/runner.ts';
import { parseJobs } from './build.ts';
import { commaList } from '../util/lists.ts';
import { seconds } from './boot.ts';
import type { Series } from '../source/series.ts';

export const runOptions = {
  arch: { type: 'string', description: `only these arches (${ARCH_NAMES.join(', ')})` },
  profile: { type: 'string', description: 'only these profiles (comma-separated)' },
  variant: { type: 'string', description: 'only these variants (comma-separated)' },
  only: { type: 'string', description: 'only jobs whose id (<arch>-<variant>-<profile>) matches this glob' },
  shard: { type: 'string', description: 'run the K-th of N deterministic slices, as K/N' },
  'kernel-src': { type: 'string', description: 'kernel tree (default: Debian linux-source-6.1)' },
  parallel: { type: 'string', description: 'boots at once (default: cores + 1)' },
  inactivity: { type: 'string', description: 'seconds of console silence that make a hang (default 30)' },
  out: { type: 'string', description: 'run directory (default: results/<run-id>)' },
  resume: { type: 'string', description: 'finish an interrupted run directory: only jobs not yet done' },
} as const satisfies Command['options'];

function list(v: OptionValues[string]): string[] | undefined {
  return typeof v === 'string' ? commaList(v) : undefined;
}

export function printSummary(s: RunSummary, runDir: string): void {
  const lines = [`\n${s.matrix}: ${s.counts.jobs} jobs, ${s.counts.asExpected} as expected, ${s.counts.unexpected} not, ${s.counts.regressions} regressions (${formatDuration(s.durationMs)})`];
  for (const c of s.comparisons.filter((c) => c.class !== 'ok')) lines.push(`  ${c.class.padEnd(14)} ${c.arch}/${c.profile} ${c.variant}: ${c.reason}`);
  for (const j of s.jobs.filter((j) => !j.asExpected)) lines.push(`  unexpected     ${j.id}: ${j.problems.join('; ')}`);
  lines.push(`results: ${runDir} (summary.json, ${OUTPUT_FILES.join(', ')})`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Shared by run, repro and validate. */
export async function runWith(matrix: Matrix, values: OptionValues, profiles = loadProfiles(), series?: ReadonlyMap<string, Series>): Promise<{ summary: RunSummary; runDir: string }> {
  let runDir: string;
  let resumed;
  if (typeof values.resume === 'string') {
    runDir = resolve(values.resume);
    const file = join(runDir, 'summary.json');
    if (!existsSync(file)) throw new UserError(`--resume ${runDir}: no summary.json there; give the directory of an interrupted run.`);
    const previous = JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
    if (previous.matrix !== matrix.name) throw new UserError(`--resume ${runDir} is a run of matrix "${previous.matrix}", not "${matrix.name}".`);
    resumed = previous.jobs.filter((j) => j.verdict !== 'not-run');
  } else {
    runDir = resolve((values.out as string | undefined) ?? join(REPO_ROOT, 'results', newRunId()));
  }
  const jobs = selectJobs(matrix.jobs, {
    ...(values.arch !== undefined ? { arches: parseArchList(values.arch as string) } : {}),
    ...(list(values.variant) ? { variants: list(values.variant)! } : {}),
    ...(list(values.profile) ? { profiles: list(values.profile)! } : {}),
    ...(typeof values.only === 'string' ? { only: values.only } : {}),
    ...(typeof values.shard === 'string' ? { shard: parseShard(values.shard) } : {}),
  });
  if (jobs.length === 0) throw new UserError(`The filters leave no job of ${matrix.file} to run.`);
  const parallel = parseJobs(values.parallel as string | undefined);
  const inactivityMs = seconds(values.inactivity, 'inactivity');
  process.stdout.write(`${matrix.name}: ${jobs.length} jobs -> ${runDir}\n`);
  const progress = createProgress();
  const summary = await runMatrix({
    matrix,
    jobs,
    profiles,
    outDir: runDir,
    ...(typeof values['kernel-src'] === 'string' ? { kernelSrc: values['kernel-src'] } : {}),
    ...(parallel ? { parallel } : {}),
    ...(inactivityMs ? { monitor: { inactivityMs } } : {}),
    ...(resumed ? { resumed } : {}),
    ...(series ? { series } : {}),
    onEvent: (e) => progress.event(e),
  }).finally(() => progress.stop());
  printSummary(summary, runDir);
  return { summary, runDir };
}

export const runCommand: Command = {
  summary: 'run a matrix (configs/<name>.json): builds, boots, checks, comparisons, reports',
  options: runOptions,
  positionals: '<matrix>',
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UserError('bootlab run takes one matrix: a name under configs/ (e.g. nightly) or a path to a .json file.');
    const profiles = loadProfiles();
    const { summary } = await runWith(loadMatrix(positionals[0]!, profiles), values, profiles);
    return runExitCode(summary);
  },
};

export const reproCommand: Command = {
  summary: 'run a reproduction scenario (configs/<scenario>.json); passes when every job does what the scenario expects',
  options: runOptions,
  positionals: '<scenario>',
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UserError('bootlab repro takes one scenario, e.g. repro-arm64-numa-panic.');
    const profiles = loadProfiles();
    const { summary } = await runWith(loadMatrix(positionals[0]!, profiles), values, profiles);
    const code = runExitCode(summary);
    process.stdout.write(code === 0 ? 'scenario PASSED: every job did what the scenario expects\n' : 'scenario FAILED\n');
    return code;
  },
};
