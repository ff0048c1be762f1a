/**
 * Look inside a guest that went silent, before QEMU is killed: every vCPU's registers
 * (pc and return address symbolized, mode, a plain-words reading) and the kernel's printk
 * buffer read out of guest memory with `memsave` and decoded. Bounded by a time budget.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES, type ArchName } from '../../arch.ts';
import { parseSymbolMap, symbolAt } from '../../crash/symbols.ts';
import { HumanMonitor } from './hmp.ts';
import { locateRing, readRing } from './ring.ts';
import { parseRegisters, readCpu, type CpuState } from './registers.ts';

export interface Forensics {
  readonly registers: readonly (CpuState & { readonly pcSymbol?: string; readonly lrSymbol?: string })[];
  readonly readings: readonly string[];
  /**
   * The printk buffer's lines in order, as recovered; the crash parser reads them from here.
   * For people they are also in recovered.log beside the console log, each as "[seq] text".
   */
  readonly recovered: readonly string[];
  readonly errors: readonly string[];
  readonly durationMs: number;
}

/** Where inspectGuest leaves the printk buffer it recovered, for people. */
export const RECOVERED_LOG = 'recovered.log';

export interface InspectInputs {
  readonly arch: ArchName;
  readonly monitorSocket: string;
  readonly outDir: string;
  readonly systemMap?: string;
  readonly config?: string;
  readonly budgetMs?: number;
}

export async function inspectGuest(i: InspectInputs): Promise<Forensics> {
  const started = Date.now();
  const budget = i.budgetMs ?? 4000;
  // Each monitor command gets what is left of the budget; with too little left, none is sent.
  const left = (): number => {
    const ms = budget - (Date.now() - started);
    if (ms < 100) throw new Error(`the ${budget} ms budget for examining the guest is spent`);
    return ms;
  };
  const errors: string[] = [];
  const map = i.systemMap && existsSync(i.systemMap) ? readFileSync(i.systemMap, 'utf8') : '';
  const word = ARCHES[i.arch].word;
  const table = parseSymbolMap(map, word.bytes);
  let monitor: HumanMonitor | undefined;
  let registers: Forensics['registers'] = [];
  let recovered: string[] = [];
  try {
    monitor = await HumanMonitor.open(i.monitorSocket, Math.min(1000, left()));
    // Stop the vCPUs so registers and memory are read from one instant.
    await monitor.command('stop', left());
    const regs = await monitor.command('info registers -a', left());
    registers = parseRegisters(i.arch, regs).map((s) => {
      const pcSymbol = symbolAt(table, s.pc);
      const lrSymbol = symbolAt(table, s.lr);
      return { ...s, ...(pcSymbol ? { pcSymbol } : {}), ...(lrSymbol ? { lrSymbol } : {}) };
    });
    writeFileSync(join(i.outDir, 'registers.txt'), `${regs}\n`);
    const ring = locateRing(i.arch, map, i.config);
    if (ring) {
      const lines = await readRing(monitor, ring, i.outDir, left);
      recovered = lines.map((l) => l.text);
      writeFileSync(join(i.outDir, RECOVERED_LOG), lines.map((l) => `[${l.seq}] ${l.text}\n`).join(''));
    } else errors.push('no __log_buf in System.map: the printk buffer cannot be located');
  } catch (error) {
    errors.push((error as Error).message);
  } finally {
    monitor?.close();
  }
  const readings = registers.map((r) => readCpu(i.arch, r, r.pcSymbol)).filter((r): r is string => r !== undefined);
  return {
    registers,
    readings,
    recovered,
    errors,
    durationMs: Date.now() - started,
  };
}
