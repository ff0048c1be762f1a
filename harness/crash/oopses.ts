/**
 * Recognition is a table, after syzkaller's linuxOopses (pkg/report/linux.go): one row per
 * header a crash report starts with. A new kind of crash is a new row, not new logic.
 * Titles follow syzbot's conventions so a bootlab title can be searched on the dashboard.
 * Rows are tried in order and the first whose header matches wins: specific rows (lockdep,
 * the WARNINGs of lib/refcount.c, lib/debugobjects.c, ...) come before the generic ones.
 */
import type { CrashKind } from './types.ts';

/**
 * How the guilty frame is picked among the candidates (after the plumbing is skipped):
 * 'first' takes the first; 'stall' and 'hang' are syzkaller's extractors for stalls and
 * hung tasks (see chooseGuilty in parse.ts).
 */
export type Extractor = 'first' | 'stall' | 'hang';

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
   * What closes the report: a marker line (the oops end marker, KASAN's rule), 'trace' for
   * reports that end with their first call trace (BUG:, stalls, hung tasks, lockdep), or
   * 'header' for one-line reports (an unexpected reboot).
   */
  readonly end: RegExp | 'trace' | 'header';
  /** Frames that are plumbing for this kind only, on top of PLUMBING. */
  readonly skip?: readonly RegExp[];
  /** Header group that names the function the report is about: the first guilty candidate. */
  readonly headerFunction?: number;
  /**
   * Report lines, before the call trace, whose group 1 names a function the report is about,
   * in the order printed: lockdep's "at: f+0x../0x.." lines (the lock being taken, then the
   * one held), the "[<addr>] f+0x.." line of a bad unlock. They come before pc and trace.
   */
  readonly frameLines?: RegExp;
  /**
   * A line that starts this kind's call trace besides "Call trace:" (KFENCE's "Out-of-bounds
   * read at ..."), or 'header' when the frames follow the header directly (KMSAN).
   */
  readonly traceStart?: RegExp | 'header';
  /** The report has no call trace by nature (a reboot, a workqueue lockup): none is missing. */
  readonly noStack?: boolean;
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
   * For stalls the stack shows the timer interrupt that noticed; candidates start after the
   * last interrupt-entry frame.
   */
  readonly stall?: boolean;
  readonly extractor?: Extractor;
  /**
   * The header means something only once the kernel has run: a second boot banner is an
   * unexpected reboot, the first is the boot. The streaming monitor never calls it a crash.
   */
  readonly afterBoot?: boolean;
}

/** print_oops_end_marker(): every oops, BUG() and WARN() ends with it. */
export const END_TRACE = /---\[ end trace\b/;
/** panic() prints this last; nothing after it comes from the kernel. */
export const END_PANIC = /---\[ end Kernel panic\b/;
/** KASAN, KFENCE, KMSAN and UBSAN frame their reports between two rules of '='. */
const RULE = /^={20,}\s*$/;

const OOPS_KINDS: readonly CrashKind[] = [
  'paging-request',
  'null-deref',
  'unhandled-fault',
  'gpf',
  'kernel-bug',
  'internal-error',
  'divide-error',
  'list-corruption',
  'usercopy',
];
/** die() panics with "Fatal exception" under panic_on_oops or in interrupt; a dying idle task or init panics too. */
const AFTER_OOPS = /Fatal exception|Attempted to kill (?:init|the idle task)|panic_on_oops|panic_on_warn set|Machine halted/;
const AFTER_WARN = /panic_on_warn set/;

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
/**
 * An orphan panic that says nothing of a crash: check_panic_on_warn()'s banner with no
 * warning before it raises no report at all.
 */
export const BANNER_PANIC = /panic_on_warn set/;

/** lockdep's "ffff0000c1234 (&lock){+.+.}-{3:3}, at: f+0x24/0x80": the function that took the lock. */
const AT_LINE = /\bat: (?:\[<?(?:0x)?[0-9a-f]+>?\] +)?([A-Za-z_]\w*)[.+]/;
/** "[<ffff800008123456>] f+0x40/0x80": the ip lockdep prints on a line of its own. */
const IP_LINE = /^\[<?(?:0x)?[0-9a-f]+>?\] +([A-Za-z_]\w*)[.+]/;
/** A WARNING line naming a file: "WARNING: CPU: 0 PID: 1 at lib/refcount.c:28 f+.." or 6.19's "WARNING: lib/refcount.c:28 at f+..". */
const warningAt = (path: string): RegExp => new RegExp(String.raw`^WARNING: (?:.*\s)?${path}:\d+`);

/** Frames a lockdep report's own machinery leaves: lock_sock is a lock, not the locker. */
const LOCK_SOCK = [/lock_sock|release_sock/];
/** syzkaller's "possible deadlock" skips: a work item is not the code that took the lock. */
const DEADLOCK = [/process_one_work|flush_workqueue|drain_workqueue|destroy_workqueue/];

export const OOPSES: readonly OopsRow[] = [
  // ---- KASAN, KFENCE, KMSAN, KCSAN: between rules of '='.
  {
    kind: 'kasan',
    header: /BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in ([\w.$]+)/,
    title: 'KASAN: invalid-free in {func}',
    end: RULE,
    headerFunction: 1,
    skip: [/^kfree$|^kmem_cache_free|^slab_free|^__slab_free|^vfree$|^vunmap$|kfree/],
    panics: AFTER_WARN,
  },
  {
    kind: 'kasan',
    header: /BUG: KASAN: ([a-z-]+) in ([\w.$]+)/,
    title: 'KASAN: {1} {detail} in {func}',
    end: RULE,
    headerFunction: 2,
    detail: /^(Read|Write) (?:of size|at addr)/,
    skip: [/kernel_fault|tag_check|mem_abort|^el1_|^el1h_/],
    panics: AFTER_WARN,
  },
  {
    kind: 'kasan',
    header: /BUG: KASAN: ([a-z-]+) on address/,
    title: 'KASAN: {1} {detail}',
    end: RULE,
    detail: /^(Read|Write) of size/,
    panics: AFTER_WARN,
  },
  {
    kind: 'kfence',
    header: /BUG: KFENCE: (use-after-free|out-of-bounds|invalid) (read|write) in ([\w.$]+)/,
    title: 'KFENCE: {1} {2} in {func}',
    end: RULE,
    headerFunction: 3,
    traceStart: /^(?:Out-of-bounds|Use-after-free|Invalid) (?:read|write) at /,
    panics: AFTER_WARN,
  },
  {
    kind: 'kfence',
    header: /BUG: KFENCE: (invalid free|memory corruption) in ([\w.$]+)/,
    title: 'KFENCE: {1} in {func}',
    end: RULE,
    headerFunction: 2,
    traceStart: /^(?:Invalid free|Corrupted memory) (?:of|at) /,
    panics: AFTER_WARN,
  },
  {
    kind: 'kmsan',
    header: /BUG: KMSAN: ([a-z-]+) in ([\w.$]+)/,
    title: 'KMSAN: {1} in {func}',
    end: RULE,
    traceStart: 'header',
    skip: [/alloc_skb|netlink_ack|netlink_rcv_skb|_encrypt$|^(?:crypto|cipher|drbg|rng)_/],
    panics: AFTER_WARN,
  },
  {
    kind: 'kcsan',
    header: /BUG: KCSAN: (.+)/,
    title: 'KCSAN: {1}',
    end: RULE,
    noStack: true,
  },
  {
    // 5.x: "UBSAN: Undefined behaviour in net/foo.c:12:3"; since 5.13 "UBSAN: shift-out-of-bounds in lib/x.c:40:12".
    kind: 'ubsan',
    header: /UBSAN: Undefined behaviour in /,
    title: 'UBSAN: undefined-behaviour in {func}',
    end: RULE,
    skip: [/ubsan|overflow/],
    panics: AFTER_WARN,
  },
  {
    kind: 'ubsan',
    header: /UBSAN: ([a-z-]+) in /,
    title: 'UBSAN: {1} in {func}',
    end: RULE,
    skip: [/ubsan|overflow/],
    panics: AFTER_WARN,
  },

  // ---- Stalls and hangs: the report ends with its first call trace.
  {
    kind: 'soft-lockup',
    header: /BUG: soft lockup - CPU#\d+ stuck/,
    title: 'BUG: soft lockup in {func}',
    end: 'trace',
    stall: true,
    extractor: 'stall',
    panics: /softlockup: hung tasks/,
  },
  {
    kind: 'rcu-stall',
    header: /INFO: rcu_(?:preempt|sched|bh) (?:self-)?detected(?: expedited)? stall/,
    title: 'INFO: rcu detected stall in {func}',
    end: 'trace',
    stall: true,
    extractor: 'stall',
    skip: [/rcu|apic_timer_interrupt/],
    panics: /RCU Stall/,
  },
  {
    kind: 'hung-task',
    header: /INFO: task .+:\d+ blocked for more than \d+ seconds/,
    title: 'INFO: task hung in {func}',
    end: 'trace',
    extractor: 'hang',
    panics: /hung_task: blocked tasks/,
  },
  {
    kind: 'hung-task',
    header: /INFO: task .+:\d+ can't die for more than \d+ seconds/,
    title: "INFO: task can't die in {func}",
    end: 'trace',
    skip: [/schedule/],
  },

  // ---- lockdep. Each report ends with the call trace after "stack backtrace:"; the dependency
  // chain before it is not a call trace.
  {
    kind: 'deadlock',
    header:
      /(?:WARNING|INFO): (?:possible circular locking dependency detected|possible recursive locking detected|possible irq lock inversion dependency detected|[A-Z]+-safe -> [A-Z]+-unsafe lock order detected)/,
    title: 'possible deadlock in {func}',
    end: 'trace',
    frameLines: AT_LINE,
    skip: DEADLOCK,
  },
  {
    // The old "[ INFO: inconsistent lock state ]" is named by its "at:" line, the WARNING by its trace.
    kind: 'lockdep',
    header: /INFO: inconsistent lock state/,
    title: 'inconsistent lock state in {func}',
    end: 'trace',
    frameLines: AT_LINE,
  },
  {
    kind: 'lockdep',
    header: /WARNING: inconsistent lock state/,
    title: 'inconsistent lock state in {func}',
    end: 'trace',
  },
  {
    kind: 'lockdep',
    header: /(WARNING|BUG): bad unlock balance detected!/,
    title: '{1}: bad unlock balance in {func}',
    end: 'trace',
    frameLines: IP_LINE,
  },
  {
    kind: 'lockdep',
    header: /(WARNING|BUG): held lock freed!/,
    title: '{1}: held lock freed in {func}',
    end: 'trace',
    frameLines: AT_LINE,
  },
  {
    kind: 'lockdep',
    header: /WARNING: .*still has locks held!/,
    title: 'WARNING: still has locks held in {func}',
    end: 'trace',
    frameLines: AT_LINE,
  },
  {
    kind: 'lockdep',
    header: /BUG: .*still has locks held!/,
    title: 'BUG: still has locks held in {func}',
    end: 'trace',
    frameLines: IP_LINE,
  },
  {
    // Printed on the way out of a syscall, with the held locks and no stack.
    kind: 'lockdep',
    header: /(WARNING|BUG): lock held when returning to user space/,
    title: '{1}: lock held when returning to user space in {func}',
    end: 'trace',
    frameLines: AT_LINE,
    noStack: true,
  },
  {
    kind: 'lockdep',
    header: /WARNING: [Nn]ested lock was not taken/,
    title: 'WARNING: nested lock was not taken in {func}',
    end: 'trace',
  },
  {
    kind: 'lockdep',
    header: /INFO: trying to register non-static key/,
    title: 'INFO: trying to register non-static key in {func}',
    end: 'trace',
    skip: [/stack|lock|IRQ/],
  },
  {
    kind: 'rcu-usage',
    header: /(WARNING|INFO): suspicious RCU usage/,
    title: '{1}: suspicious RCU usage in {func}',
    end: 'trace',
    skip: [/rcu|kmem|slab/],
  },
  {
    kind: 'lockdep',
    header: /BUG: Invalid wait context/,
    title: 'WARNING: locking bug in {func}',
    end: 'trace',
    skip: LOCK_SOCK,
  },

  // ---- Faults.
  {
    kind: 'null-deref',
    header: /Unable to handle kernel NULL pointer dereference|BUG: (?:unable to handle )?[Kk]ernel NULL pointer dereference/,
    title: 'BUG: unable to handle kernel NULL pointer dereference in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    // arm, arm64 and mips ("CPU 0 Unable to handle ...") say "paging request"; x86 since 5.0
    // says "page fault for address". syzbot files both under one title.
    kind: 'paging-request',
    header: /Unable to handle kernel paging request|BUG: unable to handle (?:page fault for address|kernel paging request|kernel data access)/,
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
    kind: 'gpf',
    header: /^(?:Oops: )?stack segment: /,
    title: 'stack segment fault in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    kind: 'divide-error',
    header: /^(?:Oops: )?divide(?: |_)error: /,
    title: 'divide error in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    // arm's __div0: "Division by zero in kernel." and a stack dump; the kernel goes on.
    kind: 'divide-error',
    header: /^Division by zero in kernel\./,
    title: 'divide error in {func}',
    end: 'trace',
    skip: [/div0|^__aeabi_|^__(?:u|)divsi3|^__do_div64|^Ldiv0/],
  },
  {
    kind: 'double-fault',
    header: /PANIC: double fault/,
    title: 'PANIC: double fault in {func}',
    end: END_TRACE,
    panics: AFTER_OOPS,
  },
  {
    kind: 'usercopy',
    header: /[Kk]ernel BUG at mm\/usercopy\.c/,
    title: 'BUG: bad usercopy in {func}',
    end: END_TRACE,
    skip: [/usercopy|__check/],
    panics: AFTER_OOPS,
  },
  {
    kind: 'list-corruption',
    header: /[Kk]ernel BUG at lib\/list_debug\.c/,
    title: 'BUG: corrupted list in {func}',
    end: END_TRACE,
    skip: [/__list_\w*valid|list_debug/],
    panics: AFTER_OOPS,
  },
  {
    // mips BUG() is a break instruction: die("Kernel bug detected") prints no file:line.
    kind: 'kernel-bug',
    header: /[Kk]ernel BUG at |^Kernel bug detected\[#\d+\]/,
    title: 'kernel BUG in {func}',
    end: END_TRACE,
    skip: [/^skb_/],
    panics: AFTER_OOPS,
  },

  // ---- WARNINGs: the file a WARN_ON() is in names the bug for the checkers' own files.
  {
    kind: 'odebug',
    header: warningAt(String.raw`lib/debugobjects\.c`),
    title: 'WARNING: ODEBUG bug in {func}',
    end: END_TRACE,
    skip: [/debug_|rcu|hrtimer_|timer_|work_|percpu_|vunmap|vfree|__free_|kobject_/],
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },
  {
    kind: 'usercopy',
    header: warningAt(String.raw`mm/usercopy\.c`),
    title: 'WARNING: bad usercopy in {func}',
    end: END_TRACE,
    skip: [/usercopy|__check/],
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },
  {
    kind: 'warning',
    header: warningAt(String.raw`lib/kobject\.c`),
    title: 'WARNING: kobject bug in {func}',
    end: END_TRACE,
    skip: [/kobject_/],
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },
  {
    kind: 'warning',
    header: warningAt(String.raw`fs/proc/generic\.c`),
    title: 'WARNING: proc registration bug in {func}',
    end: END_TRACE,
    skip: [/proc_/],
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },
  {
    kind: 'refcount',
    header: warningAt(String.raw`lib/refcount\.c`),
    title: 'WARNING: refcount bug in {func}',
    end: END_TRACE,
    skip: [/refcount|kobject_/],
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },
  {
    // CHECK_DATA_CORRUPTION() warns unless CONFIG_BUG_ON_DATA_CORRUPTION makes it a BUG().
    kind: 'list-corruption',
    header: warningAt(String.raw`lib/list_debug\.c`),
    title: 'BUG: corrupted list in {func}',
    end: END_TRACE,
    skip: [/__list_\w*valid|list_debug/],
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },
  {
    kind: 'lockdep',
    header: /^WARNING: (?:.*\s)?kernel\/locking\/\w+\.c:\d+.*lock/,
    title: 'WARNING: locking bug in {func}',
    end: END_TRACE,
    skip: LOCK_SOCK,
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },
  {
    kind: 'warning',
    header: /^WARNING: (?:.*\s)?mm\/[\w\/.-]+\.c:\d+ (?:\S+ )?k?.?malloc/,
    title: 'WARNING: kmalloc bug in {func}',
    end: END_TRACE,
    skip: [/kmalloc|krealloc|slab|kmem/],
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },
  {
    // "WARNING: CPU: 0 PID: 0 at mm/cma.c:206 f+0x../0x..", the older "WARNING: at FILE f()",
    // and the 6.19 "WARNING: mm/cma.c:206 at f+0x../0x.., CPU#0: swapper/0". Group 1 is the function.
    kind: 'warning',
    header: /^WARNING: .*?\bat (?:\S+:\d+ )?(?:([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+)?/,
    title: 'WARNING in {func}',
    end: END_TRACE,
    headerFunction: 1,
    panics: AFTER_WARN,
    panicsBeforeEnd: true,
  },

  // ---- The second line of an oops, or an oops of its own.
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
    // x86 BUG() is ud2: "kernel BUG at ..." is followed by "invalid opcode: 0000 [#1]".
    kind: 'invalid-opcode',
    header: /^(?:Oops: )?invalid opcode: /,
    title: 'invalid opcode in {func}',
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

  // ---- Panics.
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

  // ---- kmemleak: "unreferenced object 0x... (size 64):", its allocation "backtrace:".
  {
    kind: 'memory-leak',
    header: /^BUG: memory leak/,
    title: 'memory leak in {func}',
    end: 'trace',
    skip: [/kmemleak|mmap|kmem|slab|alloc|create_object|idr_get|list_lru_init|kasprintf|kvasprintf|pcpu_create|strdup|strndup|memdup/],
  },
  {
    kind: 'memory-leak',
    header: /^unreferenced object 0x[0-9a-f]+ \(size \d+\):/,
    title: 'memory leak in {func}',
    end: 'trace',
    continues: ['memory-leak'],
    skip: [/kmemleak|mmap|kmem|slab|alloc|create_object|idr_get|list_lru_init|kasprintf|kvasprintf|pcpu_create|strdup|strndup|memdup/],
  },

  // ---- BUG: messages of their own, then every other BUG:.
  {
    kind: 'bug',
    header: /^BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)/,
    title: 'BUG: {1} {2} in {func}',
    end: 'trace',
    skip: [/spin_|_lock|_unlock/],
    panics: AFTER_WARN,
  },
  {
    kind: 'bug',
    header: /^BUG: scheduling while atomic/,
    title: 'BUG: scheduling while atomic in {func}',
    end: 'trace',
    skip: [/schedule/],
    panics: AFTER_WARN,
  },
  {
    kind: 'bug',
    header: /^BUG: using ([a-z_]+)\(\) in preemptible/,
    title: 'BUG: using {1}() in preemptible code in {func}',
    end: 'trace',
    skip: [/dump_stack|preemption|preempt|debug_|processor_id|this_cpu/],
  },
  {
    kind: 'bug',
    header: /^BUG: .*stack guard page was hit/,
    title: 'BUG: stack guard page was hit in {func}',
    end: END_TRACE,
    extractor: 'stall',
    panics: AFTER_OOPS,
  },
  {
    kind: 'bug',
    header: /^BUG: Bad page (state|cache)/,
    title: 'BUG: Bad page {1} in {func}',
    end: 'trace',
    skip: [/(?:free|put|get|update|release)_page|free_unref|^_*folio|truncate_inode_pages|page_frag_free|alloc|vmap|page_owner/],
  },
  {
    kind: 'bug',
    header: /^BUG: (workqueue lockup|Bad rss-counter state|non-zero pgtables_bytes on freeing mm|non-zero nr_ptes on freeing mm|non-zero nr_pmds on freeing mm)/,
    title: 'BUG: {1}',
    end: 'trace',
    noStack: true,
  },
  {
    kind: 'bug',
    header: /^BUG \S+ \([^)]*\): Object already free/,
    title: 'BUG: Object already free',
    end: 'trace',
  },
  {
    // Last: every BUG: the rows above did not claim. The message stops where the kernel
    // starts printing specifics (task, CPU, file:line), as syzbot's titles do.
    kind: 'bug',
    header: /^BUG: (.*?)(?::| at | on CPU| in process | - |, |$)/,
    title: 'BUG: {1} in {func}',
    end: 'trace',
    skip: [/might_sleep|might_resched|might_fault|^__schedule_bug/],
    panics: AFTER_WARN,
  },

  // ---- A kernel banner after the kernel has run: the machine rebooted on its own.
  {
    kind: 'reboot',
    header: /^Booting the kernel\b|^Linux version \d+\.\d+/,
    title: 'unexpected kernel reboot',
    end: 'header',
    noStack: true,
    afterBoot: true,
  },
];

/**
 * Lines that look like a header and are not a crash: lockdep's notes on itself, boot-time
 * advice, the decompressor's progress. syzkaller ignores the same.
 */
const NOT_A_CRASH =
  /INFO: lockdep is turned off|INFO: Stall ended before state dump start|INFO: NMI handler|(?:handler|interrupt).*took too long|INFO: recovery required on readonly filesystem|WARNING: Unprivileged eBPF is enabled|WARNING: \/etc\/ssh\/moduli|WARNING: workqueue cpumask|WARNING: [Tt]he mand mount option|WARNING: See https|WARNING: kernel not compiled with|uses (?:deprecated v2 capabilities|wireless extensions)|XFS \(\w+\): WARNING|EXT4-fs|Parsing ELF|Decompressing Linux|Unknown parameter '|ODEBUG: |(?:BUG|INFO): no syscalls can create resource|INFO: sys_\S* is not present in \/proc\/kallsyms/;

/**
 * Cheap test that rules out almost every console line before the table is tried. It also
 * holds for a line that still has its printk prefix.
 */
export const HINT =
  /BUG|[Bb]ug detected|WARNING|Unable to handle kernel|Internal error|Unhandled fault|Kernel panic|INFO: |Oops|general protection fault|stack segment|UBSAN: |divide(?: |_)error|Division by zero|PANIC: double fault|invalid opcode|unreferenced object|Booting the kernel|Linux version/;

export interface HeaderMatch {
  readonly row: OopsRow;
  readonly groups: readonly (string | undefined)[];
}

export function matchHeader(text: string): HeaderMatch | undefined {
  if (!HINT.test(text)) return undefined;
  for (const row of OOPSES) {
    const m = row.header.exec(text);
    if (m) return NOT_A_CRASH.test(text) ? undefined : { row, groups: m };
  }
  return undefined;
}

/**
 * Frames that are never the bug: the fault and trap path, stack dumping, panic and warning
 * machinery, string and memory helpers, allocators, locking primitives, debug checkers and
 * task entry glue (syzkaller's linuxStackParams.skipPatterns, plus each arch's exception
 * path). Tested against the function name without its clone suffix, unanchored unless a
 * pattern says otherwise. start_kernel and setup_arch stay candidates: in an early-boot crash
 * they may be all there is.
 */
export const PLUMBING: readonly RegExp[] = [
  // Stack dumping and printing.
  /dump_stack|dump_backtrace|show_stack|^_*show_regs|^unwind_backtrace|walk_stack|^arch_stack_walk|printk|stack_trace_save|stack_trace_consume_entry|print_tainted|hex_dump_to_buffer|print_hex_dump|^get_taint$/,
  // panic, die and the WARN/BUG machinery.
  /panic|^_*die$|^__die_body|^die_kernel_fault|^die_if_kernel|^oops_end|^make_task_dead|__warn|warn_slowpath|warn_bogus|report_bug|fixup_bug|^bug_handler|^check_panic_on_warn|invalid_op|do_error|_trap$|do_trap|print_report|print_usage_bug|print_unlock|imbalance_bug|assertfail|__fortify_report/,
  // arm64 exception path: data aborts, debug exceptions (BUG() is a brk), undefined instructions.
  /^_*do_kernel_fault|do_(?:kernel|translation|alignment|bad_area|bad|sea|tag_check)_fault|^do_bad_area|^do_bad$|do_mem_abort|^_*do_page_fault|^do_debug_exception|^brk_handler|^call_break_hook|^do_el1_|^el1_(?:abort|da|pc|sync|dbg|undef|inv|interrupt)|^el1h_64_sync|^el1_sync_handler/,
  // arm exception path.
  /^__(?:dabt|pabt|und)_svc|^do_(?:DataAbort|PrefetchAbort|undefinstr|sect_fault)|^__do_user_fault|^__und_fault/,
  // x86 exception path.
  /^(?:asm_)?exc_(?:page_fault|invalid_op|general_protection)|^page_fault_oops|^kernelmode_fixup_or_oops|^_*bad_area_nosemaphore|^do_user_addr_fault|^handle_page_fault|^handle_bug|^die_addr|_indirect_thunk_|__phys_addr/,
  // mips exception path.
  /^do_ade|^do_be$|^do_bp$|^do_trap_or_bp|^handle_(?:adel|ades|be|bp|tlb[lsm])|^tlb_do_page_fault/,
  // Page fault handling in mm.
  /^_*handle_mm_fault/,
  // String, memory and user-copy helpers: the fault lands in them, the bug is in the caller.
  /mem(?:set|cpy|move|cmp|chr|dup)|str(?:n?cpy|lcpy|scpy|n?cmp|n?len|r?chr|n?str|n?cat|n?dup)|string|pointer|s?n?printf|kv?asprintf|va_format|copy_(?:to|from)_user|copy_(?:to|from)_iter|copy_(?:page|folio)_(?:to|from)_iter|^copyin$|^copyout$|put_user|get_user|might_fault|^_*arch_copy_|read_word_at_a_time|(?:read|write)_once_.*nocheck|^crc\d+|crc_itu_t|extract_(?:user|iter)_to_sg/,
  // Allocators: early-boot memblock, the slab and page allocators with their wrappers, and the frees.
  /^memblock_(?:phys_)?alloc|^memblock_find_in_range|k?v?[mzc]alloc|krealloc|kmem_cache|slab_|allocate_slab|alloc_page|__alloc_frozen_pages|folio_(?:alloc|unlock)|filemap_alloc_folio|__filemap_get_folio|find_or_create_page|do_read_cache_folio|read_cache_page|pagecache_get_page|grab_cache_page_write_begin|^_*vmalloc|^_*get_free_pages|^pcpu_alloc|^kv?free$|kfree_skb|warn_alloc/,
  // The sanitizers' and debug checkers' own frames.
  /kasan|^__asan_|hwasan|^__msan|kmsan|__sanitizer|kcsan_setup_watchpoint|^print_address_description|check_memory_region|check_heap_object|check_object|debug_object|timer_is_static_object|work_is_static_object|seqprop_assert|ref_tracker/,
  // lockdep's own checks and reports (kernel/locking/lockdep.c), named without "lockdep".
  /^(?:print_circular_bug|check_noncircular|check_prev_add|check_prevs_add|validate_chain|print_deadlock_bug|check_deadlock|print_bad_irq_dependency|check_irq_usage|mark_lock_irq|valid_state|mark_usage|debug_check_no_locks_freed|print_freed_lock_bug|register_lock_class|look_up_lock_class|print_lock_class_header|print_unlock_imbalance_bug|find_held_lock|print_lock_nested_lock_not_held|check_wait_context|print_lock_invalid_wait_context)$/,
  // Locking primitives and lockdep: a lockup or sleep-in-atomic inside them is the caller's.
  /spin_(?:un)?lock|spin_trylock|^_raw_|^do_raw_|lockdep|lock_acquire|lock_release|lock_class|mark_lock|(?:reacquire|mark)_held_locks|raw_spin_rq|read_(?:un)?lock|read_trylock|write_(?:un)?lock|write_trylock|^down$|down_read|down_write|down_trylock|up_read|up_write|^mutex_|^__mutex_|^rt_mutex_|owner_on_cpu|osq_(?:un)?lock|bh_enable|bh_disable|(?:trace|lockdep)_(?:hard|soft)irq|^(?:un)?lock_page|lock_timer_base/,
  // Atomics, bitops, refcounts, lists and trees.
  /atomic(?:64)?_(?:dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)|(?:set|clear|change|test)_bit|^refcount_|^kref_|list_add|list_del|list_replace|list_move|list_splice|^rb_|^__rb_|^klist_|xas_(?:start|load|find)|rhashtable_lookup|ida_free/,
  // Waiting, waking, timers and work items: the bug is whoever called them.
  /^cpu_relax$|^(?:__)?(?:const_)?[umn]?delay$|^__const_udelay$|^delay_loop|__wake_up|^complete$|wait_for_completion|finish_wait|kthread_stop|del_timer|__timer_delete_sync|__mod_timer|sk_stop_timer_sync|flush_work|__cancel_work_timer|cancel_work_sync|try_to_grab_pending|flush_workqueue|drain_workqueue|destroy_workqueue|queue_work|insert_work|__queue_delayed_work|queue_delayed_work_on|cleanup_srcu_struct|might_sleep|__might_resched|perf_trace/,
  // Devices, kobjects, inodes and dentries being torn down.
  /kobject_|add_uevent_var|get_device_parent|device_add|device_del|device_unregister|device_destroy|device_release|devres_release_all|device_for_each_child|device_remove_file|^put_device$|sysfs_remove|^iput$|^iput_final$|^ihold$|fast_dput|dput|drop_nlink|find_lock_entries|truncate_inode_pages_range/,
  // Logging helpers and MMIO accessors.
  /dev_(?:info|notice|warn|err|alert|crit|emerg)|readb$|readw$|readl$|readq$|writeb$|writew$|writel$|writeq$|logic_in|logic_out/,
  // Task entry glue.
  /^ret_from_fork|^ret_from_kernel_thread|^kthread$/,
];

/**
 * Interrupt entry points: for stalls, the frame after the last of these is the one that ran
 * too long. x86 dumps a stalled CPU from an NMI: the interrupted pc follows end_repeat_nmi.
 */
export const IRQ_ENTRY =
  /^(?:el[01]h?_64_irq|el1_irq|el0_irq|__irq_svc|__irq_usr|asm_sysvec_apic_timer_interrupt|apic_timer_interrupt|asm_common_interrupt|ret_from_intr|handle_int|ret_from_irq|except_vec_vi_handler|end_repeat_nmi|asm_exc_nmi)$/;

/**
 * syzkaller's stall anchors: entry points (a syscall, a work item, a timer, a kthread). A
 * stall is named after the frame just inside the first anchor: what the entry point ran.
 */
export const STALL_ANCHORS =
  /process_one_work|do_syscall_|do_fast_syscall_|sysenter_dispatch|tracesys_phase2|el0_svc_handler|invoke_syscall|ret_fast_syscall|netif_receive_skb|do_softirq|call_timer_fn|_run_timers|run_timer_softirq|hrtimer_run|run_ksoftirqd|smpboot_thread_fn|^kthread$|start_secondary|cpu_startup_entry|ret_from_fork|vfs_write|vfs_read|vfs_iter_read|vfs_iter_write|do_iter_read|do_iter_write|call_read_iter|call_write_iter|new_sync_read|new_sync_write|vfs_ioctl|ksys_ioctl|compat_ioctl|compat_sys_ioctl|blkdev_driver_ioctl|blkdev_ioctl|do_iter_readv_writev|^call_mmap|mmap_region|do_mmap|do_dentry_open|vfs_open|^sock_sendmsg|^sock_recvmsg|^sock_release|^__sock_release|^setsockopt$|kernel_setsockopt|sock_common_setsockopt|^listen$|kernel_listen|sk_common_release|^sock_mmap|^accept$|kernel_accept|^sock_do_ioctl|^sock_ioctl|^compat_sock_ioctl|^nfnetlink_rcv_msg|^rtnetlink_rcv_msg|^netlink_dump|^(?:sys_)?(?:socketpair|connect|ioctl)|__do_fault|do_page_fault|^page_fault$|__fput|task_work_run|exit_to_usermode|smp_call_function|tasklet_action|tasklet_hi_action/;

/**
 * Frames of boot: a stall under an initcall or start_kernel is named after the function the
 * timer interrupted, since syzkaller's anchors (ret_from_fork) would name kernel_init.
 */
export const BOOT_FRAMES = /^(?:do_one_initcall|kernel_init|kernel_init_freeable|start_kernel|do_initcalls|do_basic_setup)$/;

/** syzkaller's hang skips: the scheduler and whatever the task sleeps in. */
export const HANG_SKIP =
  /sched|_lock|_slowlock|down|rwsem|completion|kthread|wait|synchronize|context_switch|__switch_to|cancel_delayed_work|rcu_barrier|^msleep|^usleep/;

/** syzkaller strips these from a guilty frame: "__x64_sys_ioctl" is "sys_ioctl", "__do_sys_foo" is "foo". */
export const SYSCALL_PREFIXES = [
  'SYSC_',
  'SyS_',
  'sys_',
  '__x64_',
  '__ia32_',
  '__arm64_',
  '____sys_',
  '___sys_',
  '__sys_',
  '__se_',
  '__se_sys_',
  '__do_sys_',
  'compat_SYSC_',
  'compat_SyS_',
  'ksys_',
] as const;
