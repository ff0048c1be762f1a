/**
 * Everything bootlab prints on a terminal, as text: durations, builds, jobs, a run's summary.
 * Pure; commands and the progress display write what these return.
 */
import { relative } from 'node:path';
import type { BuildOutcome } from '../kbuild/build.ts';
import { formatCmaCheck } from '../cma/check.ts';
import { formatCrashText, formatGroups, groupByTitle } from '../crash/report.ts';
import type { CrashReport } from '../crash/types.ts';
import { crashesOf, isBooted, OUTPUT_FILES, type JobRecord, type RunSummary } from '../results/model.ts';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/** What bootlab build says as it goes: the tree, then each build as it starts. */
export function describeSource(source: { readonly version: string; readonly origin: string }): string {
  return `kernel ${source.version} from ${source.origin}`;
}

export function describeBuildStart(arch: string, variant: string): string {
  return `building ${arch}/${variant}`;
}

/** One build: how it was obtained and where its files are, or why it failed. */
export function describeBuild(o: BuildOutcome): string {
  const head = `${o.arch}/${o.variant}`.padEnd(28);
  if (!o.ok) {
    return `${head} FAILED after ${formatDuration(o.durationMs)}; log: ${o.log}\n    ${o.errors.join('\n    ')}`;
  }
  const dropped = o.droppedBySeries.length ? ` (series removed ${o.droppedBySeries.join(', ')})` : '';
  return `${head} ${o.how.padEnd(11)} ${formatDuration(o.durationMs).padStart(7)}  ${o.image}${dropped}\n    vmlinux ${relative(o.dir, o.vmlinux)}, System.map, .config, log in ${o.dir}`;
}

/** One job as bootlab boot shows it: verdict, crash titles, the CMA table and the console's path. */
export function describeJob(j: JobRecord, runDir: string): string {
  const head = `${j.arch}/${j.variant}/${j.profile}`.padEnd(36);
  if (!isBooted(j)) return `${head} ${j.verdict.padEnd(11)} ${j.reason}`;
  const lines = [`${head} ${j.verdict.padEnd(11)} ${formatDuration(j.decidedAtMs).padStart(7)}  ${j.reason}`];
  for (const c of crashesOf(j)) lines.push(`    crash: ${c.title}${c.corrupted ? ' (corrupted)' : ''}`);
  lines.push(`    CMA check: ${j.cma.ok ? 'ok' : 'MISMATCH'}`);
  for (const l of formatCmaCheck(j.cma).split('\n')) lines.push(`      ${l}`);
  lines.push(`    console: ${runDir}/${j.files.console}`);
  return lines.join('\n');
}

/** Every report of each console log given to bootlab report, then the titles seen on several logs. */
export function describeLogReports(logs: readonly { readonly file: string; readonly reports: readonly CrashReport[] }[]): string {
  const out: string[] = [];
  for (const log of logs) {
    const n = log.reports.length;
    out.push(`== ${log.file}: ${n === 0 ? 'no crash report' : n === 1 ? '1 crash report' : `${n} crash reports`}\n${log.reports.map((r) => `${formatCrashText(r)}\n\n`).join('')}`);
  }
  if (logs.length > 1 && logs.some((l) => l.reports.length > 0)) {
    const groups = groupByTitle(logs.flatMap((l) => l.reports.map((report) => ({ job: l.file, report }))));
    out.push(`\n== ${groups.length} crash title${groups.length === 1 ? '' : 's'} over ${logs.length} logs\n${formatGroups(groups)}\n`);
  }
  return out.join('');
}

/** bootlab validate's verdict lines: one per regression the series caused. */
export function describeRegressions(s: RunSummary): string {
  return s.comparisons
    .filter((c) => c.class === 'regression')
    .map((c) => `REGRESSION ${c.arch} ${c.profile}: ${c.reason}\n`)
    .join('');
}

/** bootlab repro's last line. */
export function describeScenario(exitCode: number): string {
  return exitCode === 0 ? 'scenario PASSED: every job did what the scenario expects\n' : 'scenario FAILED\n';
}

/** The end of a run: counts, what is not ok compared with the baseline, unexpected jobs, where the files are. */
export function describeRun(s: RunSummary, runDir: string): string {
  const lines = [`\n${s.matrix}: ${s.counts.jobs} jobs, ${s.counts.asExpected} as expected, ${s.counts.unexpected} not, ${s.counts.regressions} regressions (${formatDuration(s.durationMs)})`];
  for (const c of s.comparisons.filter((c) => c.class !== 'ok')) lines.push(`  ${c.class.padEnd(14)} ${c.arch}/${c.profile} ${c.variant}: ${c.reason}`);
  for (const j of s.jobs.filter((j) => !j.asExpected)) lines.push(`  unexpected     ${j.id}: ${j.problems.join('; ')}`);
  lines.push(`results: ${runDir} (summary.json, ${OUTPUT_FILES.join(', ')})`);
  return lines.join('\n');
}
