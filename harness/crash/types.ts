/**
 * What the crash parser returns. Plain data, safe to JSON.stringify into run results.
 */

/** Every kind of crash the parser recognises; one or more rows of the table in oopses.ts each. */
export const CRASH_KINDS = [
  'paging-request',
  'null-deref',
  'internal-error',
  'oops',
  'unhandled-fault',
  'gpf',
  'kernel-bug',
  'bug',
  'warning',
  'kasan',
  'soft-lockup',
  'rcu-stall',
  'hung-task',
  'deadlock',
  'lockdep',
  'rcu-usage',
  'ubsan',
  'kfence',
  'kmsan',
  'kcsan',
  'memory-leak',
  'divide-error',
  'invalid-opcode',
  'double-fault',
  'refcount',
  'odebug',
  'list-corruption',
  'usercopy',
  'reboot',
  'panic',
] as const;

export type CrashKind = (typeof CRASH_KINDS)[number];

/** A place in the kernel sources, relative to the top of the tree ("mm/cma.c"). */
export interface SourceLine {
  readonly file: string;
  readonly line: number;
}

/** One function the compiler inlined code into, and the line of that call. */
export interface InlinedCall extends SourceLine {
  readonly function: string;
}

/**
 * Where a code address is in the sources, as addr2line -i tells it from vmlinux's DWARF.
 * `file`/`line` name the innermost code at the address, which may be a function inlined into
 * the one the kernel printed; `inlined` then lists the callers it was inlined into, innermost
 * first, the last being the printed function itself at the line of the (inlined) call.
 */
export interface SourceLocation extends SourceLine {
  /** The innermost function at the address, as DWARF names it (no ".part.0"-style suffix). */
  readonly function: string;
  readonly inlined: readonly InlinedCall[];
}

/** A code address as the kernel printed it: `f+0x50/0x188 [mod]`, `[<c0b0a2f8>]`, or both. */
export interface CodeLocation {
  /** Symbol as printed, suffixes kept ("dump_backtrace.part.0"). Undefined without KALLSYMS. */
  readonly function?: string;
  /** Offset into the function, in bytes. */
  readonly offset?: number;
  /** Size of the function, in bytes. */
  readonly size?: number;
  /** Module name for a symbol in a loadable module. */
  readonly module?: string;
  /** Hex digits as printed, without 0x; only when the line showed the address. */
  readonly address?: string;
  /**
   * Set by crash/symbolize.ts from the vmlinux that printed the report; undefined before that,
   * for module code, and where vmlinux has no line information for the address.
   */
  readonly source?: SourceLocation;
}

export interface StackFrame extends CodeLocation {
  /**
   * False for x86 `? f+0x../0x..` frames: return addresses the unwinder found on the stack but
   * could not prove are live. They are kept for the reader but never chosen as guilty.
   */
  readonly reliable: boolean;
}

export interface CrashReport {
  readonly kind: CrashKind;
  /** syzbot-style title, e.g. "BUG: unable to handle kernel paging request in cma_init_reserved_mem". */
  readonly title: string;
  /** The header line that started the report, without its printk prefix. */
  readonly header: string;
  /** First frame that is not plumbing (fault handlers, string helpers, allocators, dump code). */
  readonly guiltyFunction?: string;
  /**
   * True when the report is incomplete: no call trace, cut before its end marker, or a panic
   * whose cause is missing from the log. Its title is then a best effort.
   */
  readonly corrupted: boolean;
  /** Why `corrupted` is true, in words. */
  readonly corruptedReason?: string;
  /** Message of the "Kernel panic - not syncing: ..." that this crash led to, when folded in. */
  readonly panic?: string;
  /** Faulting data address (hex digits as printed), for faults that print one. */
  readonly faultAddress?: string;
  /** Where the CPU was: arm64 `pc :`, arm `PC is at`, mips `epc`, x86 `RIP:`. */
  readonly pc?: CodeLocation;
  /** Return address: arm64 `lr :`, arm `LR is at`, mips `ra`. */
  readonly lr?: CodeLocation;
  /** The first call trace of the report, innermost frame first. */
  readonly frames: readonly StackFrame[];
  /** The first register dump of the report, names as printed ("x29", "r10", "$31", "RSP"). */
  readonly registers: Readonly<Record<string, string>>;
  readonly cpu?: number;
  readonly pid?: number;
  readonly comm?: string;
  /** Taint flags as letters ("GW"), "" for "Not tainted"; undefined when no line says. */
  readonly taint?: string;
  /** Kernel release from the "CPU: 0 PID: 0 Comm: swapper Not tainted 6.1.0 #1" line. */
  readonly kernelVersion?: string;
  /** First and last line of the report in the log, 1-based and inclusive. */
  readonly startLine: number;
  readonly endLine: number;
  /**
   * The report's lines as printed (timestamps kept), with CR, ANSI escapes and control bytes
   * removed so they can go into JSON or XML as they are. Lines another task or CPU printed in
   * between (told apart by CONFIG_PRINTK_CALLER ids) are left out.
   */
  readonly excerpt: readonly string[];
}
