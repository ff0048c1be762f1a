/**
 * bootlab report: the crash reports in console logs (any kernel's, syzbot's or KernelCI's
 * too), or the report files of a run directory written again from its summary.json.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchName } from '../../arch.ts';
import { parseCrashes } from '../../crash/parse.ts';
import type { CrashReport } from '../../crash/types.ts';
import { EXIT, UserError } from '../../util/errors.ts';
import type { OptionValues } from '../command.ts';
import { arches, string } from '../options.ts';
import { describeLogReports, describeNoLineInfo, describeRun } from '../printer.ts';

export async function run(values: OptionValues, positionals: readonly string[]): Promise<number> {
  if (positionals.length === 0) throw new UserError('bootlab report needs one or more console logs, e.g. bootlab report results/latest/jobs/*/console.log, or a run directory.');
  if (positionals.length === 1 && isRunDir(positionals[0]!)) return reportRunDir(positionals[0]!);
  const vmlinux = string(values, 'vmlinux');
  const arch = archOfVmlinux(values, vmlinux);
  if (vmlinux !== undefined) checkFile(vmlinux, 'vmlinux');
  for (const file of positionals) checkLog(file);

  // Parsing is in-process and linear; only symbolization spawns, once for every log together.
  const parsed = positionals.map((file) => ({ file, reports: parseCrashes(readFileSync(file, 'utf8')) }));
  const all = parsed.flatMap((p) => p.reports);
  // Symbolizing spawns addr2line: loaded only when a vmlinux asks for it.
  const symbolized = vmlinux === undefined ? all : await (await import('../../crash/symbolize.ts')).symbolizeReports(all, { vmlinux, ...(arch ? { arch } : {}) });
  if (vmlinux !== undefined) warnIfNothingResolved(symbolized, vmlinux);
  let next = 0;
  const logs = parsed.map((p) => ({ file: p.file, reports: symbolized.slice(next, (next += p.reports.length)) }));

  if (values.json) {
    for (const log of logs) process.stdout.write(`${JSON.stringify({ file: log.file, reports: log.reports.map(jsonReport) })}\n`);
    return EXIT.ok;
  }
  process.stdout.write(describeLogReports(logs));
  return EXIT.ok;
}

function archOfVmlinux(values: OptionValues, vmlinux: string | undefined): ArchName | undefined {
  const given = arches(values, 'arch');
  if (given === undefined) return undefined;
  if (vmlinux === undefined) throw new UserError('--arch only chooses the binutils for --vmlinux; give --vmlinux too, or leave --arch out.');
  if (given.length !== 1) throw new UserError(`--arch takes one arch (that of --vmlinux), got "${string(values, 'arch')}".`);
  return given[0];
}

function checkFile(path: string, what: string): void {
  if (!existsSync(path)) throw new UserError(`${what} ${path} does not exist.`);
  if (statSync(path).isDirectory()) throw new UserError(`${path} is a directory: --${what} takes the vmlinux file of a build directory.`);
}

function isRunDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'summary.json'));
}

/** A run directory: write its JUnit, KCIDB, HTML and Markdown again from summary.json and print the summary. */
async function reportRunDir(dir: string): Promise<number> {
  const [{ loadRunDir }, { writeOutputs }, { exitCode }] = await Promise.all([
    import('../../results/load.ts'),
    import('../../results/write.ts'),
    import('../../results/exit.ts'),
  ]);
  const summary = loadRunDir(dir);
  writeOutputs(summary, dir);
  process.stdout.write(`${describeRun(summary, dir)}\n`);
  return exitCode(summary);
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
  process.stderr.write(describeNoLineInfo(vmlinux));
}
