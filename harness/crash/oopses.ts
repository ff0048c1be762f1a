/**
 * Recognition is a table, after syzkaller's linuxOopses (pkg/report/linux.go): one row per
 * header a crash report starts with. A new kind of crash is a new row, not new logic.
 * Titles follow syzbot's conventions so a bootlab title can be searched on the dashboard.
 */
import type { CrashKind } from './types.ts';

export interface OopsRow {
  readonly kind: CrashKind;
  /** Tested against the line without its printk prefix. */
  readonly header: RegExp;
  /**
   * Title template: {1}..{9} are header groups, {func} the guilty function, {detail} the first
   * group of `detail`. " in {func}" (and " {detail}") disappear when there is no value.
   */
  readonly title: string;
  /**
   * What closes the report: a marker line (the oops end marker, KASAN's rule), or 'trace' for
   * reports that end with their first call trace (BUG:, stalls, hung tasks).
   */
  readonly end: RegExp | 'trace';
  /** Frames that are plumbing for this kind only, on top of PLUMBING. */
  readonly skip?: readonly RegExp[];
  /** Header group that names the function the report is about: the first guilty candidate. */
  readonly headerFunction?: number;
  /** Searched in the report's lines; its first group fills {detail} (KASAN's Read/Write). */
  readonly detail?: RegExp;
  /**
   * Kinds whose open report this header belongs to: arm64 prints "Internal error: Oops" as the
   * second line of "Unable to handle kernel paging request", x86 prints "Oops:" after "BUG:".
   */
  readonly continues?: readonly CrashKind[];
  /**
   * Panic messages this crash leads to. One that follows the finished report (after the end
   * marker, within a few lines) is folded into it rather than reported on its own.
   */
  readonly panics?: RegExp;
  /**
   * The panic comes before the end marker (__warn() panics under panic_on_warn before it
   * prints the marker), so a report cut by its panic is still whole.
   */
  readonly panicsBeforeEnd?: boolean;
  /**
   * For stalls the stack shows the timer interrupt that noticed; the guilty frame is the one it
   * interrupted, so candidates start after the last interrupt-entry frame.
   */
  readonly stall?: boolean;
}

/** print_oops_end_marker(): every oops, BUG() and WARN() ends with it. */
export const END_TRACE = /---\[ end trace\b/;
/** panic() prints this last; nothing after it comes from the kernel. */
export const END_PANIC = /---\[ end Kernel panic\b/;
/** KASAN frames its report between two rules of '='. */
const KASAN_RULE = /^={20,}\s*$/;

const OOPS_KINDS: readonly CrashKind[] = [
  'paging-request',
  'null-deref',
  'unhandled-fault',
  'gpf',
  'kernel-bug',
  'internal-error',
];
/** die() panics with "Fatal exception" under panic_on_oops or in interrupt; a dying idle task or init panics too. */
const AFTER_OOPS = /Fatal exception|Attempted to kill (?:init|the idle task)|panic_on_oops|panic_on_warn set/;

/**
 * Header of "Kernel panic - not syncing"; group 1 is the message without init's exit code.
 * Not panic()'s closing "---[ end Kernel panic - not syncing: ... ]---".
 */
export const PANIC = /(?<!end )Kernel panic - not syncing: ?(.*?)(?: exitcode=0x[0-9a-f]+)?\s*$/;
/**
 * Panic messages that only ever follow another report. Seen alone, the report that caused
 * them is missing from the log (syzkaller marks these corrupted too).
 */
export const ORPHAN_PANIC =
  /Fatal exception|Attempted to kill the idle task|panic_on_warn set|softlockup: hung tasks|hung_task: blocked tasks|RCU Stall/;

export const OOPSES: readonly OopsRow[] = [
  {
    kind: 'kasan',
    header: /BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in ([\w.$]+)/,
    title: 'KASAN: invalid-free in {func}',
    end: KASAN_RULE,
    headerFunction: 1,
    skip: [/^kfree$|^kmem_cache_free|^slab_free|^__slab_free|^vfree$|^vunmap$/],
    panics: /panic_on_warn set/,
  },
  {
    kind: 'kasan',
    header: /BUG: KASAN: ([a-z-]+) in ([\w.$]+)/,
    title: 'KASAN: {1} {detail} in {func}',
    end: KASAN_RULE,
    headerFunction: 2,
    detail: /^(Read|Write) (?:of size|at addr)/,
    panics: /panic_on_warn set/,
  },
  {
    kind: 'soft-lockup',
    header: /BUG: soft lockup - CPU#\d+ stuck/,
    title: 'BUG: soft lockup in {func}',
    end: 'trace',
    stall: true,
    panics: /softlockup: hung tasks/,
  },
  {
    kind: 'rcu-stall',
    header: /INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stall/,
    title: 'INFO: rcu detected stall in {func}',
    end: 'trace',
    stall: true,
    skip: [/rcu/],
    panics: /RCU Stall/,
  },
  {
    kind: 'hung-task',
    header: /INFO: task .+:\d+ blocked for more than \d+ seconds/,
    title: 'INFO: task hung in {func}',
    end: 'trace',
    // A hung task is found asleep: the frames on top are the scheduler and whatever it waits
    // on; the guilty frame is the first caller that is neither (syzkaller's hang extractor).
    skip: [
      /sched|_lock|_slowlock|down|rwsem|completion|kthread|wait|synchronize|context_switch|__switch_to|cancel_delayed_work|rcu_barrier|^msleep|^usleep/,
    ],
    panics: /hung_task: blocked tasks/,
  },
  {
    kind: 'null-deref',
    header: /Unable to handle kernel NULL pointer dereference|BUG: (?:unable to handle )?kernel NULL pointer dereference/,
    title: 'BUG: unable to handle kernel NULL pointer dereference in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    // arm, arm64 and mips ("CPU 0 Unable to handle ...") say "paging request"; x86 since 5.0
    // says "page fault for address". syzbot files both under one title.
    kind: 'paging-request',
    header: /Unable to handle kernel paging request|BUG: unable to handle (?:page fault for address|kernel paging request)/,
    title: 'BUG: unable to handle kernel paging request in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    kind: 'paging-request',
    header: /Unable to handle kernel (access to user memory|write to read-only memory|execute from non-executable memory)/,
    title: 'BUG: unable to handle kernel {1} in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    // Anchored: user-space "traps: prog[1] general protection fault ip:..." lines are not ours.
    kind: 'gpf',
    header: /^(?:Oops: )?general protection fault/,
    title: 'general protection fault in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    kind: 'kernel-bug',
    header: /[Kk]ernel BUG at /,
    title: 'kernel BUG in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    // "WARNING: CPU: 0 PID: 0 at mm/cma.c:206 f+0x../0x..", the older "WARNING: at FILE f()",
    // and the 6.19 "WARNING: mm/cma.c:206 at f+0x../0x.., CPU#0: swapper/0". Group 1 is the function.
    kind: 'warning',
    header: /^WARNING: .*?\bat (?:\S+:\d+ )?(?:([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+)?/,
    title: 'WARNING in {func}',
    end: END_TRACE,
    headerFunction: 1,
    panics: /panic_on_warn set/,
    panicsBeforeEnd: true,
  },
  {
    kind: 'unhandled-fault',
    header: /^Unhandled fault: /,
    title: 'Unhandled fault in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    kind: 'internal-error',
    header: /Internal error: /,
    title: 'Internal error in {func}',
    end: END_TRACE,
    continues: OOPS_KINDS,
    panics: AFTER_OOPS,
  },
  {
    // mips die() prints "Oops[#1]:" after the fault line; x86 "Oops: 0002 [#1] SMP".
    kind: 'oops',
    header: /^Oops(?:\[#\d+\]|: | - )/,
    title: 'Oops in {func}',
    end: END_TRACE,
    continues: OOPS_KINDS,
    panics: AFTER_OOPS,
  },
  {
    kind: 'panic',
    header: /(?<!end )Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ([A-Za-z_.$][\w.$]*)/,
    title: 'kernel panic: stack is corrupted in {1}',
    end: END_PANIC,
  },
  {
    kind: 'panic',
    header: PANIC,
    title: 'kernel panic: {1}',
    end: END_PANIC,
  },
  {
    // Last: every BUG: the rows above did not claim. The message stops where the kernel
    // starts printing specifics (task, CPU, file:line), as syzbot's titles do.
    kind: 'bug',
    header: /^BUG: (.*?)(?::| at | on CPU| in process | - |, |$)/,
    title: 'BUG: {1} in {func}',
    end: 'trace',
    skip: [/might_sleep|might_resched|might_fault|^__schedule_bug/],
    panics: /panic_on_warn set/,
  },
];

/**
 * Cheap test that rules out almost every console line before the table is tried. It also
 * holds for a line that still has its printk prefix.
 */
export const HINT = /BUG|WARNING|Unable to handle kernel|Internal error|Unhandled fault|Kernel panic|INFO: |Oops|general protection fault/;

export interface HeaderMatch {
  readonly row: OopsRow;
  readonly groups: readonly (string | undefined)[];
}

export function matchHeader(text: string): HeaderMatch | undefined {
  if (!HINT.test(text)) return undefined;
  for (const row of OOPSES) {
    const m = row.header.exec(text);
    if (m) return { row, groups: m };
  }
  return undefined;
}

/**
 * Frames that are never the bug: the fault and trap path, stack dumping, panic and warning
 * machinery, string and memory helpers, allocators and their memblock/slab wrappers, task
 * entry glue. Tested against the function name unanchored unless a pattern says otherwise.
 * start_kernel and setup_arch stay candidates: in an early-boot crash they may be all there is.
 */
export const PLUMBING: readonly RegExp[] = [
  // Stack dumping and printing.
  /dump_stack|dump_backtrace|show_stack|^_*show_regs|^unwind_backtrace|^walk_stackframe|^arch_stack_walk|printk/,
  // panic, die and the WARN/BUG machinery.
  /panic|^_*die$|^__die_body|^die_kernel_fault|^die_if_kernel|^oops_end|^make_task_dead|^__warn|warn_slowpath|^report_bug|^bug_handler|^check_panic_on_warn/,
  // arm64 exception path: data aborts, debug exceptions (BUG() is a brk), undefined instructions.
  /^_*do_kernel_fault|^do_(?:translation|alignment|bad_area|bad|sea|tag_check)_fault|^do_bad_area|^do_bad$|^do_mem_abort|^_*do_page_fault|^do_debug_exception|^brk_handler|^call_break_hook|^do_el1_|^el1_(?:abort|da|pc|sync|dbg|undef|inv|interrupt)|^el1h_64_sync|^el1_sync_handler/,
  // arm exception path.
  /^__(?:dabt|pabt|und)_svc|^do_(?:DataAbort|PrefetchAbort|undefinstr|sect_fault)|^__do_user_fault|^__und_fault/,
  // x86 exception path.
  /^(?:asm_)?exc_(?:page_fault|invalid_op|general_protection)|^page_fault_oops|^kernelmode_fixup_or_oops|^_*bad_area_nosemaphore|^do_user_addr_fault|^handle_page_fault|^handle_bug|^do_error_trap|^do_trap$|^die_addr/,
  // mips exception path.
  /^do_ade|^do_be$|^do_bp$|^do_trap_or_bp|^handle_(?:adel|ades|be|bp|tlb[lsm])|^tlb_do_page_fault/,
  // Page fault handling in mm.
  /^_*handle_mm_fault/,
  // String and memory helpers: the fault lands in them, the bug is in the caller.
  /mem(?:set|cpy|move|cmp|chr|dup)|^_*str(?:n?cpy|lcpy|scpy|n?cmp|n?len|r?chr|n?str|n?cat|n?dup)\b|copy_(?:to|from)_user|^_*arch_copy_/,
  // Allocators: early-boot memblock and the slab/page allocators with their wrappers.
  /^memblock_(?:phys_)?alloc|^memblock_find_in_range|^_*k[vzcm]?[mzc]alloc|^_*kmalloc|^_*kmem_cache|^_*slab_alloc|^krealloc|^_*vmalloc|^_*alloc_pages|^_*get_free_pages|^pcpu_alloc/,
  // KASAN's own reporting frames.
  /kasan|^__asan_|^__hwasan_|^print_address_description|^print_report$|^check_memory_region/,
  // Locking primitives: a lockup or sleep-in-atomic inside them is the caller's.
  /spin_(?:un)?lock|spin_trylock|^_raw_|^do_raw_|lockdep|^lock_acquire|^lock_release|^_*mutex_lock|^_*mutex_unlock/,
  // Task entry glue.
  /^ret_from_fork|^ret_from_kernel_thread|^kthread$/,
];

/** Interrupt entry points: for stalls, the frame after the last of these is the one that ran too long. */
export const IRQ_ENTRY =
  /^(?:el[01]h?_64_irq|el1_irq|el0_irq|__irq_svc|__irq_usr|asm_sysvec_apic_timer_interrupt|apic_timer_interrupt|asm_common_interrupt|ret_from_intr|handle_int|ret_from_irq|except_vec_vi_handler)$/;
