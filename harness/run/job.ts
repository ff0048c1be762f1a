/**
 * One attempt at a boot job, end to end: boot, then read the lines the console monitor kept
 * (or, for a guest that went silent, the printk buffer recovered from its memory) for the
 * verdict, the crash reports and the CMA check. The console is never read back from disk.
 */
import { join, relative } from 'node:path';
import { ARCHES } from '../arch.ts';
import { bootKernel } from '../boot/boot.ts';
import type { MonitorOptions } from '../boot/console.ts';
import { RECOVERED_LOG } from '../boot/forensics/inspect.ts';
import { inException } from '../boot/forensics/registers.ts';
import { traceFirstFault, type FirstFault } from '../boot/forensics/trace.ts';
import type { MachineConfig } from '../boot/profile.ts';
import { kernelCmdline } from '../boot/qemu.ts';
import { decideVerdict } from '../boot/verdict.ts';
import { checkCma, formatCmaCheck } from '../cma/check.ts';
import { expectCma } from '../cma/expect.ts';
import { parseCrashLines } from '../crash/parse.ts';
import { formatCrashText } from '../crash/report.ts';
import { symbolizeReports } from '../crash/symbolize.ts';
import type { BootedJob, ForensicsRecord, MachineRecord } from '../results/model.ts';
import { writeFileAtomic } from '../util/atomic.ts';

/** A kernel to boot, and what the build left beside it for symbols and forensics. */
export interface KernelArtifacts {
  readonly image: string;
  readonly vmlinux?: string;
  readonly systemMap?: string;
  readonly config?: string;
}

export interface JobSetup {
  readonly id: string;
  readonly machine: MachineConfig;
  readonly kernel: KernelArtifacts;
  readonly initrd: string;
  /** The run directory (file paths in the result are relative to it) and this job's directory in it. */
  readonly runDir: string;
  readonly jobDir: string;
  readonly monitor?: Partial<MonitorOptions>;
}

/** What one attempt found: a booted job's record without what the runner adds (expectation, attempts). */
export type Attempt = Omit<BootedJob, 'id' | 'arch' | 'variant' | 'profile' | 'expected' | 'asExpected' | 'problems' | 'attempts' | 'attemptVerdicts' | 'flaky'>;

export async function runBootJob(j: JobSetup): Promise<Attempt> {
  const { kernel, machine } = j;
  const boot = await bootKernel({
    id: j.id,
    machine,
    kernel: kernel.image,
    initrd: j.initrd,
    outDir: j.jobDir,
    ...(j.monitor ? { monitor: j.monitor } : {}),
    ...(kernel.systemMap ? { symbols: { systemMap: kernel.systemMap, ...(kernel.config ? { config: kernel.config } : {}) } } : {}),
  });
  const lines = boot.monitor.lines();
  const recovered = boot.forensics ? parseCrashLines(boot.forensics.recovered) : [];
  const decision = decideVerdict(boot.monitor, boot.stop, boot.exit, recovered);
  let reason = decision.reason;
  const readings = boot.forensics?.readings ?? [];
  if (decision.verdict === 'hang') {
    const more = readings.filter((r) => !reason.includes(r));
    if (more.length > 0) reason = `${reason}; ${more.join('; ')}`;
  }
  // A CPU stuck in an exception vector died before printk could say why: replay the boot
  // briefly with QEMU's exception log to name the first fault.
  let firstFault: FirstFault | undefined;
  if (decision.verdict === 'hang' && (boot.stop === 'stuck' || boot.forensics?.registers.some((r) => inException(machine.arch, r)))) {
    firstFault = await traceFirstFault({ machine, kernel: kernel.image, initrd: j.initrd, name: `bootlab-${j.id}-trace`, ...(boot.dtb ? { dtb: boot.dtb } : {}) }, j.jobDir);
    if (firstFault) reason = `${reason}; first fault: ${firstFault.exception}${firstFault.address ? ` at address ${firstFault.address}` : ''}${firstFault.status ? ` (${firstFault.status})` : ''}`;
  }

  const parsed = decision.evidence === 'guest-memory' ? recovered : parseCrashLines(lines);
  const crashes = kernel.vmlinux && parsed.length > 0 ? await symbolizeReports(parsed, { vmlinux: kernel.vmlinux, arch: machine.arch, remember: true }) : parsed;
  const guest = boot.monitor.guestReport();
  const cma = checkCma(expectCma(machine), guest, lines);

  const rel = (name: string): string => relative(j.runDir, join(j.jobDir, name));
  writeFileAtomic(join(j.jobDir, 'cma.txt'), `${formatCmaCheck(cma)}\n`);
  if (crashes.length > 0) writeFileAtomic(join(j.jobDir, 'crash.txt'), `${crashes.map(formatCrashText).join('\n\n')}\n`);
  const f = boot.forensics;
  const forensics: ForensicsRecord | undefined = f && {
    registers: f.registers,
    readings: f.readings,
    recoveredLines: f.recovered.length,
    ...(firstFault ? { firstFault } : {}),
    errors: f.errors,
    durationMs: f.durationMs,
  };
  return {
    verdict: decision.verdict,
    reason,
    machine: machineRecord(machine),
    qemu: { argv: boot.argv, ...(boot.exit.exitCode !== undefined ? { exitCode: boot.exit.exitCode } : {}), ...(boot.exit.signal ? { signal: boot.exit.signal } : {}), stderr: boot.exit.stderr },
    ...(boot.stop ? { stopReason: boot.stop } : {}),
    decidedAtMs: boot.decidedAtMs,
    durationMs: boot.durationMs,
    evidence: decision.evidence,
    ...(boot.monitor.firstCrash ? { firstCrash: boot.monitor.firstCrash } : {}),
    crashes,
    cma,
    guest,
    ...(forensics ? { forensics } : {}),
    files: {
      console: relative(j.runDir, boot.consoleLog),
      timedConsole: relative(j.runDir, boot.timedLog),
      result: rel('result.json'),
      cma: rel('cma.txt'),
      ...(crashes.length > 0 ? { crash: rel('crash.txt') } : {}),
      ...(f && f.recovered.length > 0 ? { recovered: rel(RECOVERED_LOG) } : {}),
    },
  };
}

function machineRecord(m: MachineConfig): MachineRecord {
  const spec = ARCHES[m.arch].machine;
  return {
    qemu: spec.qemu,
    board: spec.machine,
    cpu: spec.cpu,
    memoryMiB: m.memoryMiB,
    smp: m.smp,
    ...(m.numa ? { numaNodes: m.numa.nodes } : {}),
    ...(m.reservedPools ? { reservedPools: m.reservedPools } : {}),
    kernelCmdline: kernelCmdline(m),
  };
}
