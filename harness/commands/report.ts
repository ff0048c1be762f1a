import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ARCH_NAMES, parseArchList, type ArchName } from '../arch.ts';
import type { Command } from '../cli/main.ts';
import { parseCrashes } from '../crash/parse.ts';
import { formatCrashText, formatGroups, groupByTitle } from '../crash/report.ts';
import { symbolizeReports } from '../crash/symbolize.ts';
import type { CrashReport } from '../crash/types.ts';
import { UserError } from '../util/errors.ts';
import { writeOutputs } from '../results/write.ts';
import { runExitCode } from '../run/runner.ts';
import { loadRunDir } from './merge.ts';
import { printSummary } from './run.ts';

export const reportCommand: Command = {
  summary: 'print the crash reports in console logs, frames resolved to file:line with --vmlinux',
  options: {
    vmlinux: { type: 'string', description: 'the vmlinux that printed the logs: adds file:line to every frame (lines need CONFIG_DEBUG_INFO)' },
    arch: { type: 'string', description: `arch of --vmlinux, choosing its binutils (${ARCH_NAMES.join(', ')}; default: from its ELF header)` },
    json: { type: 'boolean', default: false, description: 'one JSON object per log and line: {"file": ..., "reports": [...]}' },
  },
  positionals: '<console log>... | <run-dir>',
  async run(values, positionals) {
    if (positionals.length === 0) throw new UserError('bootlab report needs one or more console logs, e.g. bootlab report results/latest/jobs/*/console.log, or a run directory.');
    if (positionals.length === 1 && isRunDir(positionals[0]!)) return reportRunDir(positionals[0]!);
    const vmlinux = values.vmlinux as string | undefined;
    const arch = parseArch(values.arch as string | undefined, vmlinux);
    if (vmlinux !== undefined) checkFile(vmlinux, 'vmlinux');
    for (const file of positionals) checkLog(file);

    // Parsing is in-process and linear; only symbolization spawns, once for every log together.
    const parsed = positionals.map((file) => ({ file, reports: parseCrashes(readFileSync(file, 'utf8')) }));
    const all = parsed.flatMap((p) => p.reports);
    const symbolized = vmlinux === undefined ? all : await symbolizeReports(all, { vmlinux, ...(arch ? { arch } : {}) });
    if (vmlinux !== undefined) warnIfNothingResolved(symbolized, vmlinux);
    let next = 0;
    const logs = parsed.map((p) => ({ file: p.file, reports: symbolized.slice(next, (next += p.reports.length)) }));

    if (values.json) {
      for (const log of logs) process.stdout.write(`${JSON.stringify({ file: log.file, reports: log.reports.map(jsonReport) })}\n`);
      return 0;
    }
    for (const log of logs) {
      const n = log.reports.length;
      const blocks = log.reports.map(formatCrashText);
      process.stdout.write(`== ${log.file}: ${n === 0 ? 'no crash report' : n === 1 ? '1 crash report' : `${n} crash reports`}\n${blocks.map((b) => `${b}\n\n`).join('')}`);
    }
    if (logs.length > 1 && all.length > 0) {
      const groups = groupByTitle(logs.flatMap((l) => l.reports.map((report) => ({ job: l.file, report }))));
      process.stdout.write(`\n== ${groups.length} crash title${groups.length === 1 ? '' : 's'} over ${logs.length} logs\n${formatGroups(groups)}\n`);
    }
    return 0;
  },
};

function parseArch(value: string | undefined, vmlinux: string | undefined): ArchName | undefined {
  if (value === undefined) return undefined;
  if (vmlinux === undefined) throw new UserError('--arch only chooses the binutils for --vmlinux; give --vmlinux too, or leave --arch out.');
  const arches = parseArchList(value);
  if (arches.length !== 1) throw new UserError(`--arch takes one arch (that of --vmlinux), got "${value}".`);
  return arches[0];
}

function checkFile(path: string, what: string): void {
  if (!existsSync(path)) throw new UserError(`${what} ${path} does not exist.`);
  if (statSync(path).isDirectory()) throw new UserError(`${path} is a directory: --${what} takes the vmlinux file of a build directory.`);
}

function isRunDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'summary.json'));
}

/** A run directory: write its JUnit, KCIDB, HTML and Markdown again from summary.json and print the summary. */
function reportRunDir(dir: string): number {
  const summary = loadRunDir(dir);
  writeOutputs(summary, dir);
  printSummary(summary, dir);
  return runExitCode(summary);
}

function checkLog(path: string): void {
  if (!existsSync(path)) throw new UserError(`console log ${path} does not exist.`);
  if (!statSync(path).isDirectory()) return;
  if (existsSync(join(path, 'summary.json'))) {
    throw new UserError(`${path} is a run directory: give it alone to regenerate its reports, or give its jobs' logs, e.g. ${join(path, 'jobs', '*', 'console.log')}.`);
  }
  throw new UserError(`${path} is a directory: bootlab report takes console log files or one run directory (with summary.json).`);
}

/** The fields a consumer looks at first, in front and always present (guiltyFunction null when unknown). */
function jsonReport(r: CrashReport): Omit<CrashReport, 'guiltyFunction'> & { guiltyFunction: string | null } {
  const first = { kind: r.kind, title: r.title, guiltyFunction: r.guiltyFunction ?? null, corrupted: r.corrupted };
  return Object.assign(first, r, { guiltyFunction: first.guiltyFunction });
}

function warnIfNothingResolved(reports: readonly CrashReport[], vmlinux: string): void {
  const locations = reports.flatMap((r) => [r.pc, r.lr, ...r.frames]).filter((l) => l !== undefined && l.module === undefined);
  if (locations.length === 0 || locations.some((l) => l!.source !== undefined)) return;
  process.stderr.write(
    `bootlab: no frame resolved to a source line: ${vmlinux} has no line information (build with CONFIG_DEBUG_INFO) or is not the kernel that printed these logs.\n`,
  );
}
