/**
 * The QEMU command line. Every QEMU bootlab starts (the boot, the device-tree dump, the
 * first-fault replay) gets it from qemuCommand, so every one is isolated the same way: no
 * network (-nic none, in each machine's fixed flags), no disks or host shares, and
 * -sandbox on where the binary supports it.
 */
import { ARCHES } from '../arch.ts';
import { run } from '../util/proc.ts';
import { toolFact } from '../util/file-facts.ts';
import { programs } from '../setup/packages.ts';
import { requireTools } from '../util/tools.ts';
import type { MachineConfig } from './profile.ts';

export interface QemuInputs {
  readonly machine: MachineConfig;
  readonly kernel: string;
  readonly initrd: string;
  /** Shows in `ps` as the process name, so leftover QEMUs can be traced to their job. */
  readonly name: string;
  readonly dtb?: string;
  /** Ask QEMU to write the device tree it would pass to this file and exit. */
  readonly dumpDtb?: string;
  /** Serve the human monitor on this unix socket (forensics on a silent guest). */
  readonly monitorSocket?: string;
  /** Log every exception the CPUs take (-d int) to this file. It grows by MBs per second. */
  readonly exceptionLog?: string;
  /** Start paused, with a gdb stub on this unix socket (see debuggable()). */
  readonly gdbSocket?: string;
}

/**
 * A command line made for a debugger: paused before the first instruction (-S), a gdb stub
 * on a unix socket, and the kernel's address randomization off (nokaslr), so that vmlinux's
 * addresses are the running kernel's.
 */
export function debuggable(args: readonly string[], gdbSocket: string): string[] {
  const out = [...args];
  const append = out.indexOf('-append');
  if (append >= 0) out[append + 1] = `${out[append + 1]} nokaslr`;
  return [...out, '-S', '-gdb', `unix:${gdbSocket},server=on,wait=off`];
}

/** The kernel command line: console first, then earlycon, panic behaviour, the profile's own args. */
export function kernelCmdline(m: MachineConfig): string {
  const spec = ARCHES[m.arch].machine;
  // panic=-1 asks for an immediate reboot, which -no-reboot turns into QEMU exiting;
  // an early panic never gets that far, so the console monitor stops QEMU itself.
  return [`console=${spec.console}`, ...(m.earlycon ? [spec.earlycon] : []), 'panic=-1', ...m.cmdline].join(' ');
}

/** "0,1,2,5" → ["0-2", "5"]: QEMU's -numa node takes ranges, repeated as cpus=. */
export function cpuRanges(cpus: readonly number[]): string[] {
  const sorted = [...cpus].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out;
}

/** Whether this QEMU supports -sandbox (built with seccomp); asked once per binary, then remembered. */
async function supportsSandbox(qemu: string): Promise<boolean> {
  const answer = await toolFact(qemu, 'sandbox', async () => {
    const r = await run(qemu, ['-sandbox', 'on', '-M', 'none', '-S', '-display', 'none', '-monitor', 'none', '-version'], { timeoutMs: 10_000 });
    // A QEMU that did not answer in time says nothing about seccomp: ask again next time.
    return r.timedOut ? undefined : String(r.exitCode === 0);
  });
  return answer === 'true';
}

/** The isolated command line for `inputs`, checking first that the QEMU binary is installed. */
export async function qemuCommand(inputs: QemuInputs): Promise<{ file: string; args: string[] }> {
  const spec = ARCHES[inputs.machine.arch].machine;
  requireTools(programs(spec.qemu), `Booting ${inputs.machine.arch}`);
  return qemuArgv(inputs, { sandbox: await supportsSandbox(spec.qemu) });
}

/** Pure: the command line, with -sandbox on when `isolation.sandbox` says QEMU has it. */
export function qemuArgv(inputs: QemuInputs, isolation: { readonly sandbox: boolean }): { file: string; args: string[] } {
  const m = inputs.machine;
  const spec = ARCHES[m.arch].machine;
  const args = [
    '-name', inputs.name,
    '-M', inputs.dumpDtb ? `${spec.machine},dumpdtb=${inputs.dumpDtb}` : spec.machine,
    '-cpu', spec.cpu,
    '-smp', String(m.smp),
    '-m', `${m.memoryMiB}M`,
    ...spec.extraArgs,
    '-monitor', inputs.monitorSocket ? `unix:${inputs.monitorSocket},server=on,wait=off` : 'none',
    ...(isolation.sandbox ? ['-sandbox', 'on'] : []),
    '-kernel', inputs.kernel,
    '-initrd', inputs.initrd,
    ...(inputs.dtb ? ['-dtb', inputs.dtb] : []),
    ...(inputs.exceptionLog ? ['-d', 'int', '-D', inputs.exceptionLog] : []),
    '-append', kernelCmdline(m),
  ];
  m.numa?.nodes.forEach((node, i) => {
    args.push('-object', `memory-backend-ram,id=mem${i},size=${node.memoryMiB}M`);
    args.push('-numa', ['node', `nodeid=${i}`, `memdev=mem${i}`, ...cpuRanges(node.cpus).map((r) => `cpus=${r}`)].join(','));
  });
  m.numa?.distances?.forEach((row, src) =>
    row.forEach((val, dst) => {
      if (src < dst) args.push('-numa', `dist,src=${src},dst=${dst},val=${val}`);
    }),
  );
  return { file: spec.qemu, args: inputs.gdbSocket ? debuggable(args, inputs.gdbSocket) : args };
}
