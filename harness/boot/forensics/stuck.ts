/**
 * Is a silent guest stuck for good? A look at its vCPUs through the monitor while it runs
 * (nothing is stopped), twice, so a CPU merely passing through a vector is not mistaken for
 * one looping in it. Lets a hang be called seconds after the console went quiet instead of
 * after the whole inactivity window.
 */
import type { ArchName } from '../../arch.ts';
import { HumanMonitor } from './hmp.ts';
import { deadLoop, parseRegisters } from './registers.ts';

/** Pause between the two looks. */
const SECOND_LOOK_MS = 200;

async function deadReadings(arch: ArchName, monitor: HumanMonitor, timeoutMs: number): Promise<string[]> {
  const regs = await monitor.command('info registers -a', timeoutMs);
  return parseRegisters(arch, regs)
    .map((s) => deadLoop(arch, s))
    .filter((r): r is string => r !== undefined);
}

/** The reading of a vCPU that loops where it can never leave, or undefined (also on any monitor error). */
export async function stuckCpu(arch: ArchName, monitorSocket: string, timeoutMs = 500): Promise<string | undefined> {
  let monitor: HumanMonitor | undefined;
  try {
    monitor = await HumanMonitor.open(monitorSocket, timeoutMs);
    const first = await deadReadings(arch, monitor, timeoutMs);
    if (first.length === 0) return undefined;
    await new Promise((r) => setTimeout(r, SECOND_LOOK_MS));
    const second = await deadReadings(arch, monitor, timeoutMs);
    return first.find((r) => second.includes(r));
  } catch {
    // The guest may exit or QEMU be busy: no answer is "not known to be stuck".
    return undefined;
  } finally {
    monitor?.close();
  }
}
