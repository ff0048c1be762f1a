/**
 * Extend the device tree QEMU generates for a machine: dump it (-machine dumpdtb=), turn it
 * into source with dtc, add reusable shared-dma-pool reserved-memory nodes, compile it back.
 * Each pool becomes one CMA area, which lets a profile exceed CONFIG_CMA_AREAS without NUMA.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from '../util/errors.ts';
import { ARCHES } from '../arch.ts';
import type { MachineConfig, ReservedPools } from './profile.ts';
import { run } from '../util/proc.ts';
import { qemuCommand } from './qemu.ts';
import { programs } from '../setup/packages.ts';
import { requireTools } from '../util/tools.ts';

/** Pure: the reserved-memory node, inserted before the root node's closing brace. */
export function addReservedPools(dts: string, pools: ReservedPools): string {
  const size = pools.sizeMiB * 2 ** 20;
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const nodes = [...Array(pools.count).keys()].map(
    (i) => `\t\tpool${i} {\n\t\t\tcompatible = "shared-dma-pool";\n\t\t\treusable;\n\t\t\tsize = <0x0 ${hex(size)}>;\n\t\t\talignment = <0x0 ${hex(Math.min(size, 4 * 2 ** 20))}>;\n\t\t};\n`,
  );
  const block = `\n\treserved-memory {\n\t\t#address-cells = <0x2>;\n\t\t#size-cells = <0x2>;\n\t\tranges;\n\n${nodes.join('\n')}\t};\n`;
  const end = dts.lastIndexOf('};');
  if (end < 0) throw new Error('device tree source without a root node');
  return `${dts.slice(0, end)}${block}${dts.slice(end)}`;
}

export async function deviceTreeWithPools(machine: MachineConfig, kernel: string, initrd: string, dir: string): Promise<string> {
  const pools = machine.reservedPools!;
  requireTools(programs('dtc'), 'Adding reserved-memory pools to the device tree');
  const dumped = join(dir, 'qemu.dtb');
  const { file, args } = await qemuCommand({ machine, kernel, initrd, name: 'bootlab-dumpdtb', dumpDtb: dumped });
  const dump = await run(file, args, { timeoutMs: 30_000 });
  if (dump.exitCode !== 0) throw new InfraError(`${ARCHES[machine.arch].machine.qemu} could not dump its device tree: ${dump.output.trim()}`);
  const dts = join(dir, 'qemu.dts');
  const toSource = await run('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-o', dts, dumped]);
  if (toSource.exitCode !== 0) throw new InfraError(`dtc could not decompile ${dumped}: ${toSource.output.trim()}`);
  const extended = join(dir, 'pools.dts');
  writeFileSync(extended, addReservedPools(readFileSync(dts, 'utf8'), pools));
  const dtb = join(dir, 'pools.dtb');
  const compiled = await run('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', dtb, extended]);
  if (compiled.exitCode !== 0) throw new InfraError(`dtc could not compile ${extended}: ${compiled.output.trim()}`);
  return dtb;
}
