/** The QEMU command line for one boot: pure, so tests can assert on it (isolation included). */
import { ARCHES } from '../arch.ts';
import type { MachineConfig } from './profile.ts';

export interface QemuInputs {
  readonly machine: MachineConfig;
  readonly kernel: string;
  readonly initrd: string;
  /** Shows in `ps` as the process name, so leftover QEMUs can be traced to their job. */
  readonly name: string;
  readonly sandbox?: boolean;
  readonly dtb?: string;
  /** Ask QEMU to write the device tree it would pass to this file and exit. */
  readonly dumpDtb?: string;
  /** Serve the human monitor on this unix socket (forensics on a silent guest). */
  readonly monitorSocket?: string;
  /** Log every exception the CPUs take (-d int) to this file. It grows by MBs per second. */
  readonly exceptionLog?: string;
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

export function qemuArgv(inputs: QemuInputs): { file: string; args: string[] } {
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
    ...(inputs.sandbox ? ['-sandbox', 'on'] : []),
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
  return { file: spec.qemu, args };
}
