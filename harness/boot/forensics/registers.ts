/**
 * Read `info registers` output of QEMU's monitor: per CPU the program counter, the return
 * address register and the mode/exception level, plus a plain-words reading where one is
 * clear. Pure.
 */
import { archSpec, type ArchName } from '../../arch.ts';

export interface CpuState {
  readonly cpu: number;
  readonly pc?: string;
  readonly lr?: string;
  /** arm64 "EL1h", arm "abt32"/"svc32"; mips shows none. */
  readonly mode?: string;
  readonly raw: string;
}

/** Split `info registers -a` output into CPUs ("CPU#0" headers); one block when there are none. */
export function splitCpus(text: string): string[] {
  const parts = text.split(/^CPU#\d+\s*$/m).map((p) => p.trim()).filter(Boolean);
  return parts.length > 0 ? parts : [text];
}

export function parseRegisters(arch: ArchName, text: string): CpuState[] {
  const patterns = archSpec(arch).registers;
  return splitCpus(text).map((raw, cpu) => {
    const first = (res: readonly RegExp[]): string | undefined => res.map((re) => re.exec(raw)?.[1]).find((v) => v !== undefined);
    const pc = first(patterns.pc)?.toLowerCase();
    const lr = first(patterns.lr)?.toLowerCase();
    const mode = first(patterns.mode);
    return { cpu, ...(pc ? { pc } : {}), ...(lr ? { lr } : {}), ...(mode ? { mode } : {}), raw };
  });
}

/** The reading of a CPU in one of its arch's dead loops, or undefined when it might make progress. */
export function deadLoop(arch: ArchName, s: CpuState): string | undefined {
  const loop = archSpec(arch).deadLoops.find((d) => s.mode === d.mode && s.pc !== undefined && d.pc.test(s.pc));
  return loop && `CPU ${s.cpu} loops in ${loop.where} (pc ${s.pc}, ${s.mode}): ${loop.why}`;
}

/** Whether any CPU state of this arch is known to be a dead loop: if not, looking for one is wasted. */
export function hasDeadLoops(arch: ArchName): boolean {
  return archSpec(arch).deadLoops.length > 0;
}

/** Whether a CPU is handling an exception (a mode its arch names) or loops in a vector: what printk may never have recorded. */
export function inException(arch: ArchName, s: CpuState): boolean {
  return deadLoop(arch, s) !== undefined || (s.mode !== undefined && archSpec(arch).modeReadings[s.mode] !== undefined);
}

/** A plain-words reading of a CPU's state where the mode and pc make one clear. */
export function readCpu(arch: ArchName, s: CpuState, pcSymbol?: string): string | undefined {
  const dead = deadLoop(arch, s);
  if (dead) return dead;
  const mode = s.mode !== undefined ? archSpec(arch).modeReadings[s.mode] : undefined;
  if (mode) return `CPU ${s.cpu} ${mode.is} at ${pcSymbol ?? s.pc}: ${mode.means}`;
  if (pcSymbol && /panic|cpu_park_loop|cpu_relax|__delay|do_idle|cpu_do_idle|arch_cpu_idle/.test(pcSymbol)) return `CPU ${s.cpu} sits in ${pcSymbol}: stopped or idle after the failure`;
  if (pcSymbol) return `CPU ${s.cpu} executes ${pcSymbol}${s.mode ? ` (${s.mode})` : ''}`;
  return undefined;
}
