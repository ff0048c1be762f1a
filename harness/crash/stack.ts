/**
 * Reading the machine state out of a report: call-trace frames in each arch's format, the
 * pc/lr lines and the register dump. Pure string work on lines already stripped of their
 * printk prefix.
 */
import type { CodeLocation, StackFrame } from './types.ts';

const SYM = String.raw`[A-Za-z_.$][\w.$]*`;

/**
 * arm64 ` f+0x50/0x188`, mips `[<8012abcd>] f+0x../0x..` (`[<(____ptrval____)>]` where
 * printk hashes the address before the random pool is ready: kmemleak at boot), x86 ` f+0x..` and ` ? f+0x..`
 * (unreliable), each optionally followed by ` [module]`, a symbolized file:line or arm64's
 * ` (P)`/` (L)` tag, which are ignored.
 */
const FRAME = new RegExp(
  String.raw`^\s*(?:\[<?(?:(?:0x)?([0-9a-f]+)|\(_*ptrval_*\))>?\]\s*)?(\?\s+)?(${SYM})\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?:\s+\[([\w-]+)[^\]]*\])?`,
);
/** arm with CONFIG_BACKTRACE_VERBOSE (and before 5.x): `[<c0..>] (f) from [<c0..>] (g+0x../0x..)`. */
const ARM_VERBOSE = new RegExp(
  String.raw`^\s*\[<([0-9a-f]+)>\]\s*\((${SYM})(?:\s+\[([\w-]+)\])?\)\s+from\s+\[<([0-9a-f]+)>\]\s*\((?:(${SYM})(?:\+0x([0-9a-f]+)\/0x([0-9a-f]+))?(?:\s+\[([\w-]+)\])?)?`,
);
/** arm since 5.13: ` f from g+0x../0x..`; the outermost frame reads ` start_kernel from 0x0`. */
const ARM_SHORT = new RegExp(
  String.raw`^\s*(${SYM})(?:\s+\[([\w-]+)\])?\s+from\s+(?:(${SYM})\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?:\s+\[([\w-]+)\])?|0x[0-9a-f]+\b|\(null\))`,
);
/** arm without KALLSYMS: addresses only. */
const ARM_ENTERED = /^\s*Function entered at \[<([0-9a-f]+)>\] from \[<([0-9a-f]+)>\]/;

/**
 * "Call trace:" (arm64, arm since 6.8), "Call Trace:" (x86, mips), "Backtrace:" (arm
 * frame-pointer unwinder), kmemleak's "backtrace:" (6.8: "backtrace (crc 1a2b3c4d):"), but not
 * lockdep's "stack backtrace:", which is followed by a "Call trace:" of its own.
 */
export const TRACE_START = /^\s*(?:Call [Tt]race:|Backtrace:|backtrace(?: \(crc [0-9a-f]+\))?:)/;

/** Lines that sit inside a call trace without being frames. */
const TRACE_NOISE = [
  /^\s*<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>\s*$/, // x86 stack-switch markers
  /^\s*r\d{1,2}\s?:[0-9a-f]{8}\b/, // arm frame-pointer unwinder dumps the saved registers
  /^\s*Exception stack\(/, // arm, at every exception boundary
  /^\s*>?[0-9a-f]{4,16}: (?:[0-9a-f?]{2,16}\s*)+$/, // arm stack hex dump
  /^(?:RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d{1,2}|FS|GS|CS|DS|ES|CR\d|DR\d):/, // x86 regs at an irq boundary
  /^Code: /, // x86 at an irq boundary; arm, arm64 and mips just before the end marker
  new RegExp(String.raw`^\s*(?:\[<?(?:0x)?[0-9a-f]+>?\]\s*)?${SYM} \S+\.[chS]:\d+ \[inline\]`), // symbolized inline frame (kmemleak prints the address)
];
/** Lines that end a trace. The kernel never prints a blank line inside one (KASAN and mips print one after). */
const TRACE_END = /^(?:\s*$|---\[ end |Modules linked in|Kernel panic|Kernel Offset|SMP: stopping|Rebooting in|(?:Allocated|Freed) by task)/;
/** A trace tolerates this many consecutive foreign lines (another CPU's printk) before it ends. */
const MAX_FOREIGN = 2;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function location(
  fn: string | undefined,
  off: string | undefined,
  size: string | undefined,
  mod: string | undefined,
  addr: string | undefined,
): Mutable<CodeLocation> {
  const loc: Mutable<CodeLocation> = {};
  if (fn !== undefined) loc.function = fn;
  if (off !== undefined) loc.offset = parseInt(off, 16);
  if (size !== undefined) loc.size = parseInt(size, 16);
  if (mod !== undefined) loc.module = mod;
  if (addr !== undefined) loc.address = addr;
  return loc;
}

const SYMBOL = new RegExp(String.raw`^(${SYM})\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?:\s+\[([\w-]+)[^\]]*\])?`);

/** `f+0x50/0x188 [mod]`, `[<c0b0a2f8>] f+0x..`, `0xc0123456` or `c0123456`; undefined for anything else. */
export function parseLocation(text: string, address?: string): CodeLocation | undefined {
  let s = text.trim();
  let addr = address;
  const bracket = /^\[<(?:0x)?([0-9a-f]+)>\]\s*/.exec(s);
  if (bracket) {
    addr ??= bracket[1];
    s = s.slice(bracket[0].length);
  }
  const m = SYMBOL.exec(s);
  if (m) return location(m[1], m[2], m[3], m[4], addr);
  const bare = /^(?:0x)?([0-9a-f]+)\b/.exec(s);
  if (bare) return location(undefined, undefined, undefined, undefined, addr ?? bare[1]);
  return addr === undefined ? undefined : location(undefined, undefined, undefined, undefined, addr);
}

interface TraceLine {
  readonly frames: StackFrame[];
  /**
   * The arm forms print two frames per line, "f from g+off": f is the previous line's g, so
   * frames[0] repeats the last frame unless this is the first line of the trace.
   */
  readonly linked: boolean;
}

/** Frames on one trace line, or undefined when the line is not a frame in any known format. */
function framesOf(text: string): TraceLine | undefined {
  if (text.includes(' from ')) {
    const v = ARM_VERBOSE.exec(text);
    if (v) {
      const out: StackFrame[] = [{ ...location(v[2], undefined, undefined, v[3], v[1]), reliable: true }];
      if (v[5] !== undefined) out.push({ ...location(v[5], v[6], v[7], v[8], v[4]), reliable: true });
      return { frames: out, linked: true };
    }
    const s = ARM_SHORT.exec(text);
    if (s) {
      const out: StackFrame[] = [{ ...location(s[1], undefined, undefined, s[2], undefined), reliable: true }];
      if (s[3] !== undefined) out.push({ ...location(s[3], s[4], s[5], s[6], undefined), reliable: true });
      return { frames: out, linked: true };
    }
    const e = ARM_ENTERED.exec(text);
    // "entered at" is the function's entry, "from" the return address in its caller: after
    // the first line only the caller is new.
    if (e) return { frames: [{ address: e[1]!, reliable: true }, { address: e[2]!, reliable: true }], linked: true };
  }
  const f = FRAME.exec(text);
  if (f) return { frames: [{ ...location(f[3], f[4], f[5], f[6], f[1]), reliable: f[2] === undefined }], linked: false };
  // An x86 trace crossing an interrupt shows the interrupted function only as RIP.
  const rip = /^RIP: (?:[0-9a-f]{4}:)?(.*)$/.exec(text);
  if (rip) {
    const loc = parseLocation(rip[1]!);
    if (loc?.function !== undefined) return { frames: [{ ...loc, reliable: true }], linked: false };
  }
  return undefined;
}

/** Frame lines that start a trace on their own: 6.1 arm's unwinder prints no "Call trace:" line. */
export function startsTraceImplicitly(text: string): boolean {
  return text.includes(' from ') && (ARM_VERBOSE.test(text) || ARM_SHORT.test(text) || ARM_ENTERED.test(text));
}

/**
 * What a line is to the trace being read: part of it (a frame, or noise the trace carries),
 * foreign (another CPU's printk; the trace goes on) or its end (the line is not part of it).
 */
export type TraceVerdict = 'part' | 'foreign' | 'end';

/** Collects the frames of one call trace, line by line. */
export class TraceReader {
  readonly frames: StackFrame[] = [];
  /** Index of the last line that belonged to the trace. */
  lastLine = -1;
  /**
   * Index of the first reliable frame that cannot be right (an offset past the end of its function: the
   * unwinder read garbage), -1 while every frame is plausible.
   */
  garbledAt = -1;
  private foreign = 0;

  feed(text: string, index: number): TraceVerdict {
    const found = framesOf(text);
    if (found) {
      found.frames.forEach((frame, k) => {
        const last = this.frames.at(-1);
        // Keep the repeated callee only when it does not match (a line was lost in between).
        if (k === 0 && found.linked && last !== undefined && (frame.function === undefined || frame.function === last.function)) return;
        if (this.garbledAt < 0 && frame.reliable && frame.size !== undefined && frame.offset !== undefined && frame.offset > frame.size) this.garbledAt = this.frames.length;
        this.frames.push(frame);
      });
      this.foreign = 0;
      this.lastLine = index;
      return 'part';
    }
    if (TRACE_NOISE.some((re) => re.test(text))) {
      this.foreign = 0;
      this.lastLine = index;
      return 'part';
    }
    if (TRACE_END.test(text) || TRACE_START.test(text)) return 'end';
    this.foreign++;
    return this.foreign <= MAX_FOREIGN ? 'foreign' : 'end';
  }
}

/**
 * One test that rules out most report lines for both parsePcLine and registersOf: the line
 * must start with a register name some arch prints.
 */
const REGISTERISH =
  /^\s*(?:x\d|r\d|sp\s*:|ip\s*:|pc|lr|pstate|PC is|LR is|epc|ra\s|RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d|FS|GS|CS|DS|ES|CR\d|DR\d|EFLAGS|E[A-D]X|E[SD]I|EBP|ESP|PKRU|\$|Hi\s|Lo\s|Status|Cause|BadVA|PrId)/;

export function mayHoldRegisters(text: string): boolean {
  return REGISTERISH.test(text);
}

/** pc/lr lines of each arch. Returns which register and where it points. */
export function parsePcLine(text: string): { reg: 'pc' | 'lr'; loc: CodeLocation } | undefined {
  let m = /^(pc|lr) ?: (.+)$/.exec(text);
  if (m && !m[2]!.startsWith('[<')) {
    const loc = parseLocation(m[2]!);
    return loc && { reg: m[1] as 'pc' | 'lr', loc };
  }
  m = /^(PC|LR) is at (.+)$/.exec(text);
  if (m) {
    const loc = parseLocation(m[2]!);
    return loc && { reg: m[1] === 'PC' ? 'pc' : 'lr', loc };
  }
  m = /^(epc|ra)\s*: ([0-9a-f]{8,16}) (.+)$/.exec(text);
  if (m) {
    const loc = parseLocation(m[3]!, m[2]);
    return loc && { reg: m[1] === 'epc' ? 'pc' : 'lr', loc };
  }
  m = /^RIP: (?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\]\s*)?(.+)$/.exec(text);
  if (m) {
    const loc = parseLocation(m[1]!);
    return loc && { reg: 'pc', loc };
  }
  return undefined;
}

/** arm's "pc : [<c0b0a2f8>]    lr : [<c0b06c1c>]" gives the addresses "PC is at" left out. */
export function pcAddresses(text: string): { pc?: string; lr?: string } {
  const out: { pc?: string; lr?: string } = {};
  for (const m of text.matchAll(/\b(pc|lr) ?: \[<([0-9a-f]+)>\]/g)) out[m[1] as 'pc' | 'lr'] = m[2]!;
  return out;
}

const ARM_REG_LINE = /^\s*(?:x\d{1,2}|r\d{1,2}|sp|pc|lr|pstate)\s*:/;
const ARM_REG = /\b(x\d{1,2}|r\d{1,2}|sp|ip|fp|pc|lr|psr|pstate)\s*: \[?<?([0-9a-f]{8,16})>?\]?(?![\w+])/g;
const X86_REG_LINE = /^(?:RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d{1,2}|FS|GS|CS|DS|ES|CR\d|DR\d|EFLAGS|EAX|EBX|ECX|EDX|ESI|EDI|EBP|ESP|PKRU)\s*:/;
const X86_REG = /\b([A-Z][A-Z0-9_]{0,7}|knlGS)\s*:\s*(?:[0-9a-f]{4}:)?([0-9a-f]{4,16})(?![\w+])/g;
const MIPS_GPR = /^\$\s?(\d{1,2})\s*:(.*)$/;
const MIPS_REG = /^(Hi|Lo|Status|Cause|BadVA|PrId|epc|ra)\s*: ([0-9a-f]{8,16})\b/;

/** Register name/value pairs on one line of a register dump; empty for other lines. */
export function registersOf(text: string): [string, string][] {
  if (ARM_REG_LINE.test(text)) return [...text.matchAll(ARM_REG)].map((m) => [m[1]!, m[2]!]);
  if (X86_REG_LINE.test(text)) return [...text.matchAll(X86_REG)].map((m) => [m[1]!, m[2]!]);
  const gpr = MIPS_GPR.exec(text);
  if (gpr) {
    // show_regs prints four fixed-width columns and leaves $0's neighbours k0/k1 ($26, $27)
    // blank, so split by position rather than by whitespace.
    const rest = gpr[2]!;
    const width = /[0-9a-f]{16}/.test(rest) ? 16 : 8;
    const out: [string, string][] = [];
    for (let k = 0; k < 4; k++) {
      const cell = rest.slice(k * (width + 1), (k + 1) * (width + 1)).trim();
      if (/^[0-9a-f]+$/.test(cell)) out.push([`$${Number(gpr[1]) + k}`, cell]);
    }
    return out;
  }
  const mips = MIPS_REG.exec(text);
  if (mips) return [[mips[1]!, mips[2]!]];
  return [];
}
