/**
 * One boot job, end to end: boot, then read the console for crash reports and check the CMA
 * state against what the profile should have produced. Writes result.json atomically.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { bootKernel, type BootJob, type BootResult } from '../boot/boot.ts';
import { checkCma, type CmaCheck } from '../cma/check.ts';
import { expectCma } from '../cma/expect.ts';
import { parseCrashes, type CrashReport } from '../crash/parse.ts';
import { symbolizeReports } from '../crash/symbolize.ts';

export interface JobResult extends BootResult {
  readonly variant: string;
  readonly cma: CmaCheck;
  readonly crashes: readonly CrashReport[];
}

/** Console logs past this size are parsed from their head and tail only. */
const MAX_PARSE_BYTES = 16 * 2 ** 20;

export function readConsole(path: string): string {
  const buf = readFileSync(path);
  if (buf.length <= MAX_PARSE_BYTES) return buf.toString('utf8');
  const half = MAX_PARSE_BYTES / 2;
  return `${buf.subarray(0, half).toString('utf8')}\n[bootlab: ${buf.length - MAX_PARSE_BYTES} bytes skipped]\n${buf.subarray(buf.length - half).toString('utf8')}`;
}

/** `vmlinux`: the build's, so crash frames get file:line (one addr2line for the whole log). */
export async function runBootJob(job: BootJob, variant: string, vmlinux?: string): Promise<JobResult> {
  const boot = await bootKernel(job);
  const log = readConsole(boot.consoleLog);
  // A guest that crashed silently: the crash report comes from the recovered printk buffer.
  const recovered = boot.evidence === 'guest-memory' && boot.forensics?.recoveredLog ? readFileSync(boot.forensics.recoveredLog, 'utf8').replace(/^\[\d+\] /gm, '') : undefined;
  const parsed = parseCrashes(recovered ?? log);
  const crashes = vmlinux && parsed.length > 0 ? await symbolizeReports(parsed, { vmlinux, arch: job.machine.arch }) : parsed;
  const result: JobResult = {
    ...boot,
    variant,
    cma: checkCma(expectCma(job.machine), boot.report, log),
    crashes,
  };
  writeFileAtomic(join(job.outDir, 'result.json'), JSON.stringify(result, null, 2));
  return result;
}
