/**
 * Everything bootlab prints on a terminal, as text: durations, builds, jobs, a run's summary.
 * Pure; commands and the progress display write what these return.
 */
import { relative } from 'node:path';
import { GDB, gdbCommandLine, gdbSession } from '../boot/gdb.ts';
import { formatTally } from '../results/tally.ts';
import type { BuildOutcome } from '../kbuild/build.ts';
import type { Command } from './command.ts';
import { formatCmaCheck } from '../cma/check.ts';
import { formatCrashText, formatGroups, groupByTitle } from '../crash/report.ts';
import type { CrashReport } from '../crash/types.ts';
import { crashesOf, isBooted, OUTPUT_FILES, type BootedJob, type JobRecord, type RunSummary } from '../results/model.ts';
import { countsLine } from '../results/outcome.ts';
import { plural, shellCommand, shellWord } from '../util/text.ts';

/** `bootlab` alone, or --help: every command and what it is for. */
export function describeUsage(commands: Readonly<Record<string, Command>>, arches: readonly string[]): string {
  const lines = ['usage: bootlab <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', `arches: ${arches.join(', ')}`, 'Run "bootlab <command> --help" for its options.');
  return `${lines.join('\n')}\n`;
}

/** bootlab <command> --help: its usage and every option with its default. */
export function describeCommand(name: string, c: Command): string {
  const lines = [`usage: bootlab ${name} [options]${c.positionals ? ` ${c.positionals}` : ''}`, '', c.summary, ''];
  for (const [opt, spec] of Object.entries(c.options)) {
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : '';
    lines.push(`  --${opt}${spec.type === 'string' ? ' VALUE' : ''}`.padEnd(26) + spec.description + def);
  }
  return `${lines.join('\n')}\n`;
}

/** An error the user can fix, as bootlab says it on stderr. */
export function describeError(error: Error): string {
  return `bootlab: ${error.message}\n`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/** The command that attaches gdb to a paused boot, as a person types it. */
export function describeGdbCommand(jobDir: string, vmlinux: string | undefined): string {
  return `cd ${shellWord(jobDir)} && ${gdbCommandLine(gdbSession(vmlinux))}`;
}

/** A matrix run's first line: how many jobs, and where their results go. */
export function describeStart(matrix: string, jobs: number, runDir: string): string {
  return `${matrix}: ${plural(jobs, 'job')} -> ${runDir}\n`;
}

/** What bootlab setup did. */
export function describeSetup(installed: readonly string[]): string {
  return installed.length > 0 ? `installed: ${installed.join(' ')}\n` : 'all packages present\n';
}

/** bootlab report --vmlinux, when not one frame got a source line. */
export function describeNoLineInfo(vmlinux: string): string {
  return `bootlab: no frame resolved to a source line: ${vmlinux} has no line information (build with CONFIG_DEBUG_INFO) or is not the kernel that printed these logs.\n`;
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
  lines.push(`    console: ${runDir}/${j.files.console}`, ...debugLines(j, runDir));
  return lines.join('\n');
}

/** Where a job's gdb output and memory dump are, and the gdb command that reads the dump. */
function debugLines(j: BootedJob, runDir: string): string[] {
  const lines: string[] = [];
  if (j.files.gdb) lines.push(`    gdb: ${runDir}/${j.files.gdb}`);
  if (j.files.core) {
    const core = `${runDir}/${j.files.core}`;
    lines.push(`    core: ${core}${j.dump?.error ? ` (${j.dump.error})` : ''}`);
    if (j.kernel.vmlinux) lines.push(`      ${shellCommand([GDB, '-q', j.kernel.vmlinux, '-ex', `core-file ${core}`])}`);
  } else if (j.dump?.error) {
    lines.push(`    no core: ${j.dump.error}`);
  }
  return lines;
}

/** bootlab rerun's lines for each job: the tally, and the gdb output and dump of the reported boot. */
export function describeRerun(j: BootedJob, runDir: string): string {
  return [`${j.id}: ${formatTally(j.tally)}`, ...debugLines(j, runDir)].join('\n') + '\n';
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
    out.push(`\n== ${plural(groups.length, 'crash title')} over ${logs.length} logs\n${formatGroups(groups)}\n`);
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
  const lines = [`\n${s.matrix}: ${countsLine(s)} (${formatDuration(s.durationMs)})`];
  for (const c of s.comparisons.filter((c) => c.class !== 'ok')) lines.push(`  ${c.class.padEnd(14)} ${c.arch}/${c.profile} ${c.variant}: ${c.reason}`);
  for (const j of s.jobs.filter((j) => !j.asExpected)) lines.push(`  unexpected     ${j.id}: ${j.problems.join('; ')}`);
  lines.push(`results: ${runDir} (summary.json, ${OUTPUT_FILES.join(', ')})`);
  return lines.join('\n');
}
