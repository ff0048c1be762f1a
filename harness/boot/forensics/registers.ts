/**
 * Read `info registers` output of QEMU's monitor: per CPU the program counter, the return
 * address register and the mode/exception level, plus a plain-words reading where one is
 * clear. Pure.
 */
import type { ArchName } from '../../arch.ts';

export interface CpuState {
  readonly cpu: number;
  readonly pc?: string;
  readonly lr?: string;
  /** arm64 "EL1h", arm "abt32"/"svc32", mips "kernel". */
  readonly mode?: string;
  readonly raw: string;
}

/** Split `info registers -a` output into CPUs ("CPU#0" headers); one block when there are none. */
export function splitCpus(text: string): string[] {
  const parts = text.split(/^CPU#\d+\s*$/m).map((p) => p.trim()).filter(Boolean);
  return parts.length > 0 ? parts : [text];
}

export function parseRegisters(arch: ArchName, text: string): CpuState[] {
  return splitCpus(text).map((raw, cpu) => {
    const reg = (re: RegExp): string | undefined => re.exec(raw)?.[1]?.toLowerCase();
    switch (arch) {
      case 'arm64': {
        const pstate = /PSTATE=\S+\s+\S+\s+(EL\d[th]?)/.exec(raw)?.[1];
        return { cpu, ...opt('pc', reg(/\bPC=([0-9a-f]+)/i)), ...opt('lr', reg(/\bX30=([0-9a-f]+)/i)), ...opt('mode', pstate), raw };
      }
      case 'arm': {
        const mode = /PSR=[0-9a-f]+\s+\S+\s+\S+\s+\S+\s+(\w+32)/i.exec(raw)?.[1] ?? /\b(usr32|fiq32|irq32|svc32|mon32|abt32|hyp32|und32|sys32)\b/.exec(raw)?.[1];
        return { cpu, ...opt('pc', reg(/\bR15=([0-9a-f]+)/i)), ...opt('lr', reg(/\bR14=([0-9a-f]+)/i)), ...opt('mode', mode), raw };
      }
      case 'mips':
        return { cpu, ...opt('pc', reg(/\bpc=0x([0-9a-f]+)/i)), ...opt('lr', reg(/\bra\s*[= ]\s*(?:0x)?([0-9a-f]{8})/i) ?? reg(/GPR28:.*?\n.*?([0-9a-f]{8})\s*$/im)), raw };
    }
  });
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/**
 * Per arch, the CPU states that can never make progress again, in plain words; undefined
 * when the CPU might. Only states that are certain: arm in abort mode at the high vectors
 * before the kernel has mapped them — every fetch there aborts again, into the same vector.
 */
const DEAD_LOOPS: Partial<Record<ArchName, (s: CpuState) => string | undefined>> = {
  arm: (s) =>
    s.mode === 'abt32' && s.pc && /^ffff00[01][0-9a-f]$/.test(s.pc)
      ? `CPU ${s.cpu} loops in the abort vector (pc ${s.pc}, abt32): an abort taken before the kernel's exception vectors were set up`
      : undefined,
};

export function deadLoop(arch: ArchName, s: CpuState): string | undefined {
  return DEAD_LOOPS[arch]?.(s);
}

/** Whether any CPU state of this arch is known to be a dead loop: if not, looking for one is wasted. */
export function hasDeadLoops(arch: ArchName): boolean {
  return DEAD_LOOPS[arch] !== undefined;
}

/** A plain-words reading of a CPU's state where the mode and pc make one clear. */
export function readCpu(arch: ArchName, s: CpuState, pcSymbol?: string): string | undefined {
  const dead = deadLoop(arch, s);
  if (dead) return dead;
  if (arch === 'arm' && s.mode === 'abt32') return `CPU ${s.cpu} is in abort mode at ${pcSymbol ?? s.pc}: a data or prefetch abort is being handled`;
  if (pcSymbol && /panic|cpu_park_loop|cpu_relax|__delay|do_idle|cpu_do_idle|arch_cpu_idle/.test(pcSymbol)) return `CPU ${s.cpu} sits in ${pcSymbol}: stopped or idle after the failure`;
  if (pcSymbol) return `CPU ${s.cpu} executes ${pcSymbol}${s.mode ? ` (${s.mode})` : ''}`;
  return undefined;
}
