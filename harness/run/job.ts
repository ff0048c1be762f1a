/**
 * One attempt at a boot job, end to end: boot, then read the lines the console monitor kept
 * (or, for a guest that went silent, the printk buffer recovered from its memory) for the
 * verdict, the crash reports and the CMA check. The console is never read back from disk.
 */
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ARCHES } from '../arch.ts';
import { bootKernel } from '../boot/boot.ts';
import { GDB_LOG, type GdbBatch } from '../boot/gdb.ts';
import type { MonitorOptions } from '../boot/console.ts';
import { mapKernelImage } from '../boot/forensics/core-view.ts';
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
import type { BootedFile, BootedJob, DumpRecord, ForensicsRecord, KernelRecord, MachineRecord } from '../results/model.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { fileFact } from '../util/file-facts.ts';
import { sha256File, sha256Of } from '../util/hash.ts';
import { REPRODUCE_SCRIPT, reproducerScript, type Provenance, type ReproducerInputs } from './reproduce.ts';

/** A kernel to boot, what the build left beside it for symbols and forensics, and how to build it again. */
export interface KernelArtifacts {
  readonly image: string;
  readonly vmlinux?: string;
  readonly systemMap?: string;
  readonly config?: string;
  readonly rebuild: string;
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
  /** What reproduce.sh says of where the boot came from. */
  readonly provenance: Provenance;
  /** Boot under gdb: unattended with `batch`, else for a person to attach (boot/boot.ts). */
  readonly gdb?: { readonly batch?: GdbBatch };
  /** Write guest memory to core.elf when the boot crashes or hangs. */
  readonly dump?: boolean;
}

/** What one boot found: a booted job's record without what the runner adds (expectation, boots). */
export type Attempt = Omit<BootedJob, 'id' | 'arch' | 'variant' | 'profile' | 'expected' | 'asExpected' | 'problems' | 'boots' | 'tally' | 'flaky'>;

export const CORE_FILE = 'core.elf';

/** A file's path and its sha256, remembered by its identity: hashing a kernel image is not done twice. */
async function booted(path: string): Promise<BootedFile> {
  return { path, sha256: (await fileFact(path, 'sha256', () => sha256File(path)))! };
}

export async function runBootJob(j: JobSetup): Promise<Attempt> {
  const { kernel, machine } = j;
  const [image, initrd] = await Promise.all([booted(kernel.image), booted(j.initrd)]);
  const kernelRecord: KernelRecord = {
    ...image,
    rebuild: kernel.rebuild,
    ...(kernel.vmlinux ? { vmlinux: kernel.vmlinux } : {}),
    ...(kernel.systemMap ? { systemMap: kernel.systemMap } : {}),
    ...(kernel.config ? { config: kernel.config } : {}),
  };
  const batch = j.gdb?.batch;
  const boot = await bootKernel({
    id: j.id,
    machine,
    kernel: kernel.image,
    initrd: j.initrd,
    outDir: j.jobDir,
    ...(j.monitor ? { monitor: j.monitor } : {}),
    ...(kernel.systemMap ? { symbols: { systemMap: kernel.systemMap, ...(kernel.config ? { config: kernel.config } : {}) } } : {}),
    // Written before QEMU starts, so that a boot that never ends still has it.
    beforeStart: ({ argv, dtb }) =>
      writeReproducer({ provenance: j.provenance, argv, jobDir: j.jobDir, kernel: kernelRecord, initrd, ...(dtb ? { dtb: { path: dtb, sha256: sha256Of(readFileSync(dtb)) } } : {}) }),
    ...(j.gdb ? { gdb: batch && kernel.vmlinux ? { batch: { vmlinux: kernel.vmlinux, run: batch } } : {} } : {}),
    ...(j.dump ? { dump: join(j.jobDir, CORE_FILE) } : {}),
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
  const dump = boot.dump && dumpRecord(boot.dump, kernel);
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
    ...(dump ? { dump } : {}),
    kernel: kernelRecord,
    initrd,
    files: {
      console: relative(j.runDir, boot.consoleLog),
      timedConsole: relative(j.runDir, boot.timedLog),
      result: rel('result.json'),
      cma: rel('cma.txt'),
      ...(crashes.length > 0 ? { crash: rel('crash.txt') } : {}),
      ...(f && f.recovered.length > 0 ? { recovered: rel(RECOVERED_LOG) } : {}),
      reproduce: rel(REPRODUCE_SCRIPT),
      ...(batch && existsSync(join(j.jobDir, GDB_LOG)) ? { gdb: rel(GDB_LOG) } : {}),
      ...(boot.dump && 'core' in boot.dump ? { core: rel(CORE_FILE) } : {}),
    },
  };
}

/** What gdb can read from a --dump core: the kernel image is mapped at its link addresses when it is found. */
function dumpRecord(d: { core: string } | { error: string }, kernel: KernelArtifacts): DumpRecord {
  if ('error' in d) return { error: d.error };
  const physicalOnly = 'gdb reads guest physical addresses from the core, and kernel symbols only as vmlinux initialized them';
  if (!kernel.vmlinux || !kernel.systemMap) return { error: `no vmlinux and System.map for this kernel: ${physicalOnly}` };
  const mapped = mapKernelImage(d.core, kernel.vmlinux, kernel.systemMap);
  return 'error' in mapped ? { error: `${mapped.error}: ${physicalOnly}` } : { bannerAt: `0x${mapped.bannerPhysical.toString(16)}` };
}

function writeReproducer(i: ReproducerInputs): void {
  const file = join(i.jobDir, REPRODUCE_SCRIPT);
  writeFileAtomic(file, reproducerScript(i));
  chmodSync(file, 0o755);
}

function machineRecord(m: MachineConfig): MachineRecord {
  const spec = ARCHES[m.arch].machine;
  return {
    qemu: spec.qemu,
    board: spec.machine,
    cpu: spec.cpu,
    memoryMiB: m.memoryMiB,
    smp: m.smp,
    ...(m.numa ? { numa: m.numa } : {}),
    earlycon: m.earlycon,
    cmdline: m.cmdline,
    ...(m.reservedPools ? { reservedPools: m.reservedPools } : {}),
    kernelCmdline: kernelCmdline(m),
  };
}
