import t, { type Test } from 'tap';
import { isCrashLine, parseCrashes, type CrashReport } from '../../harness/crash/parse.ts';

/**
 * The kinds of report debug kernels print, one short console each, written for these tests
 * in the format the kernel's printk calls produce (x86 with syzbot's "[ T123]" caller ids
 * where the form is x86-only). Real boots of the bug zoo on arm64, arm and mips are the
 * recorded fixtures; these cover forms bootlab's arches cannot print and the edge rules.
 */
const at = (n: number): string => `[  ${(100 + n / 1000).toFixed(6)}][ T4321] `;
const log = (...lines: string[]): string => lines.map((l, k) => `${at(k)}${l}`).join('\n');

const one = (t: Test, text: string): CrashReport => {
  const reports = parseCrashes(text);
  t.equal(reports.length, 1, 'one report');
  return reports[0]!;
};

const cpu = 'CPU: 1 PID: 4321 Comm: syz-executor.0 Not tainted 6.1.0 #1';
const hw = 'Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014';

t.test('possible circular locking dependency: the function taking the lock, from its "at:" line', async (t) => {
  const r = one(
    t,
    log(
      '======================================================',
      'WARNING: possible circular locking dependency detected',
      '6.1.0 #1 Not tainted',
      '------------------------------------------------------',
      'syz-executor.0/4321 is trying to acquire lock:',
      'ffff88801c0f1098 (&dev->mutex){+.+.}-{3:3}, at: mutex_lock_nested+0x1b/0x20',
      'ffff88801c0f1098 (&dev->mutex){+.+.}-{3:3}, at: widget_ioctl+0x51/0x2c0',
      '',
      'but task is already holding lock:',
      'ffff88801c0f2010 (&table->lock){+.+.}-{3:3}, at: widget_table_update+0x22/0x90',
      '',
      'which lock already depends on the new lock.',
      '',
      'the existing dependency chain (in reverse order) is:',
      '',
      '-> #1 (&table->lock){+.+.}-{3:3}:',
      '       lock_acquire+0xd3/0x2f0',
      '       __mutex_lock+0x9d/0x8c0',
      '       widget_probe+0x40/0x100',
      '',
      '-> #0 (&dev->mutex){+.+.}-{3:3}:',
      '       __lock_acquire+0x1290/0x1ee0',
      '       lock_acquire+0xd3/0x2f0',
      '       widget_ioctl+0x51/0x2c0',
      '',
      'other info that might help us debug this:',
      '',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0                    CPU1',
      '       ----                    ----',
      '  lock(&table->lock);',
      '                               lock(&dev->mutex);',
      '',
      ' *** DEADLOCK ***',
      '',
      '1 lock held by syz-executor.0/4321:',
      ' #0: ffff88801c0f2010 (&table->lock){+.+.}-{3:3}, at: widget_table_update+0x22/0x90',
      '',
      'stack backtrace:',
      cpu,
      hw,
      'Call Trace:',
      ' <TASK>',
      ' dump_stack_lvl+0x5b/0x77',
      ' check_noncircular+0xfe/0x110',
      ' __lock_acquire+0x1290/0x1ee0',
      ' lock_acquire+0xd3/0x2f0',
      ' __mutex_lock+0x9d/0x8c0',
      ' widget_ioctl+0x51/0x2c0',
      ' __x64_sys_ioctl+0x8b/0xc0',
      ' do_syscall_64+0x38/0x90',
      ' entry_SYSCALL_64_after_hwframe+0x63/0xcd',
      ' </TASK>',
      'random: crng init done',
    ),
  );
  t.same([r.kind, r.title, r.guiltyFunction, r.corrupted], ['deadlock', 'possible deadlock in widget_ioctl', 'widget_ioctl', false]);
  t.ok(r.frames.some((f) => f.function === 'check_noncircular'), 'the trace is the one after "stack backtrace:", not the dependency chain');
  t.notOk(r.excerpt.some((l) => l.includes('crng')), 'the report ends with its call trace');
});

t.test('the other lockdep reports', async (t) => {
  const trace = ['stack backtrace:', cpu, 'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x5b/0x77', ' gadget_reset+0x10/0x80', ' gadget_ioctl+0x51/0x2c0', ' </TASK>'];
  const cases: [string[], string, string][] = [
    [
      ['=====================================', 'WARNING: bad unlock balance detected!', '6.1.0 #1 Not tainted', '-------------------------------------', 'syz-executor.0/4321 is trying to release lock (&gadget->lock) at:', '[<ffffffff81234567>] gadget_release+0x44/0x90', 'but there are no more locks to release!', '', 'other info that might help us debug this:', 'no locks held by syz-executor.0/4321.', '', ...trace],
      'WARNING: bad unlock balance in gadget_release',
      'lockdep',
    ],
    [
      ['=========================', 'WARNING: held lock freed!', '6.1.0 #1 Not tainted', '-------------------------', 'syz-executor.0/4321 is freeing memory ffff888012345600-ffff8880123456ff, with a lock still held there!', 'ffff888012345610 (&gadget->mutex){+.+.}-{3:3}, at: gadget_teardown+0x30/0x70', '1 lock held by syz-executor.0/4321:', ' #0: ffff888012345610 (&gadget->mutex){+.+.}-{3:3}, at: gadget_teardown+0x30/0x70', '', ...trace],
      'WARNING: held lock freed in gadget_teardown',
      'lockdep',
    ],
    [
      ['=============================', 'WARNING: suspicious RCU usage', '6.1.0 #1 Not tainted', '-----------------------------', 'drivers/misc/gadget.c:120 suspicious rcu_dereference_check() usage!', '', 'other info that might help us debug this:', '', 'rcu_scheduler_active = 2, debug_locks = 1', 'no locks held by syz-executor.0/4321.', '', ...trace],
      'WARNING: suspicious RCU usage in gadget_reset',
      'rcu-usage',
    ],
    [
      ['INFO: trying to register non-static key.', 'The code is fine but needs lockdep annotation, or maybe', "you didn't initialize this object before use?", 'turning off the locking correctness validator.', cpu, 'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x5b/0x77', ' register_lock_class+0x8b/0x490', ' __lock_acquire+0x72/0x1ee0', ' lock_acquire+0xd3/0x2f0', ' _raw_spin_lock+0x2a/0x40', ' gadget_reset+0x10/0x80', ' </TASK>'],
      'INFO: trying to register non-static key in gadget_reset',
      'lockdep',
    ],
    [
      ['================================', 'WARNING: inconsistent lock state', '6.1.0 #1 Not tainted', '--------------------------------', 'inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.', 'swapper/0/0 [HC0[0]:SC1[1]:HE1:SE0] takes:', 'ffff888012345610 (&gadget->lock){+.?.}-{2:2}, at: gadget_timer+0x20/0x60', '{SOFTIRQ-ON-W} state was registered at:', '  lock_acquire+0xd3/0x2f0', '  gadget_open+0x30/0x90', ...trace],
      'inconsistent lock state in gadget_reset',
      'lockdep',
    ],
    [
      ['------------[ cut here ]------------', 'DEBUG_LOCKS_WARN_ON(1)', 'WARNING: CPU: 1 PID: 4321 at kernel/locking/lockdep.c:232 __lock_acquire+0x1290/0x1ee0', 'Modules linked in:', cpu, 'RIP: 0010:__lock_acquire+0x1290/0x1ee0', 'Call Trace:', ' <TASK>', ' lock_acquire+0xd3/0x2f0', ' _raw_spin_lock+0x2a/0x40', ' gadget_reset+0x10/0x80', ' </TASK>', '---[ end trace 0000000000000000 ]---'],
      'WARNING: locking bug in gadget_reset',
      'lockdep',
    ],
  ];
  for (const [lines, title, kind] of cases) {
    const r = one(t, log(...lines));
    t.same([r.title, r.kind, r.corrupted], [title, kind, false], title);
  }
});

t.test('the checkers that WARN from their own file name the bug after it', async (t) => {
  const warn = (file: string, fn: string, before: string[] = []): string =>
    log(...before, '------------[ cut here ]------------', `WARNING: CPU: 1 PID: 4321 at ${file} ${fn}+0x8d/0x120`, 'Modules linked in:', cpu, `RIP: 0010:${fn}+0x8d/0x120`, 'Call Trace:', ' <TASK>', ` ${fn}+0x8d/0x120`, ' kfree+0x10/0x80', ' gadget_put+0x44/0x90', ' gadget_ioctl+0x51/0x2c0', ' </TASK>', '---[ end trace 0000000000000000 ]---');
  const cases: [string, string, string, string][] = [
    ['lib/refcount.c:28', 'refcount_warn_saturate', 'WARNING: refcount bug in gadget_put', 'refcount'],
    ['lib/debugobjects.c:505', 'debug_print_object', 'WARNING: ODEBUG bug in gadget_put', 'odebug'],
    ['lib/list_debug.c:62', '__list_del_entry_valid', 'BUG: corrupted list in gadget_put', 'list-corruption'],
    ['mm/usercopy.c:99', 'usercopy_warn', 'WARNING: bad usercopy in gadget_put', 'usercopy'],
    ['lib/kobject.c:640', 'kobject_put', 'WARNING: kobject bug in gadget_put', 'warning'],
    ['mm/page_alloc.c:5526', '__alloc_pages', 'WARNING in gadget_put', 'warning'],
    ['drivers/misc/gadget.c:12', 'gadget_check', 'WARNING in gadget_check', 'warning'],
  ];
  for (const [file, fn, title, kind] of cases) {
    const r = one(t, warn(file, fn));
    t.same([r.title, r.kind], [title, kind], `${file} ${fn}`);
  }
  const usercopy = one(t, log('usercopy: Kernel memory exposure attempt detected from SLUB object \'kmalloc-64\' (offset 0, size 128)!', '------------[ cut here ]------------', 'kernel BUG at mm/usercopy.c:101!', 'invalid opcode: 0000 [#1] PREEMPT SMP KASAN', cpu, 'RIP: 0010:usercopy_abort+0x79/0x7b', 'Call Trace:', ' <TASK>', ' __check_heap_object+0xdd/0x110', ' __check_object_size+0x1bb/0x2c0', ' gadget_read+0x66/0x120', ' vfs_read+0x1cb/0x570', ' </TASK>', '---[ end trace 0000000000000000 ]---'));
  t.same([usercopy.title, usercopy.kind], ['BUG: bad usercopy in gadget_read', 'usercopy'], 'x86 BUG(): the invalid opcode line is part of it');
});

t.test('UBSAN, kmemleak, KFENCE and KMSAN', async (t) => {
  const ubsan = one(t, log('================================================================================', 'UBSAN: shift-out-of-bounds in drivers/misc/gadget.c:40:12', "shift exponent 70 is too large for 64-bit type 'long unsigned int'", cpu, 'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x5b/0x77', ' ubsan_epilogue+0x5/0x40', ' __ubsan_handle_shift_out_of_bounds.cold+0x61/0x10e', ' gadget_shift+0x20/0x40', ' gadget_ioctl+0x51/0x2c0', ' </TASK>', '================================================================================'));
  t.same([ubsan.title, ubsan.kind, ubsan.corrupted], ['UBSAN: shift-out-of-bounds in gadget_shift', 'ubsan', false]);
  const old = one(t, log('UBSAN: Undefined behaviour in drivers/misc/gadget.c:40:12', 'shift exponent 70 is too large', cpu, 'Call Trace:', ' dump_stack+0x5b/0x77', ' ubsan_epilogue+0x5/0x40', ' gadget_shift+0x20/0x40', '================================================================================'));
  t.equal(old.title, 'UBSAN: undefined-behaviour in gadget_shift');

  const leak = ['unreferenced object 0xffff888012345600 (size 64):', '  comm "swapper/0", pid 1, jiffies 4294892321 (age 8.540s)', '  hex dump (first 32 bytes):', '    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................', '  backtrace:', '    [<00000000b6f1d5a7>] __kmem_cache_alloc_node+0x1e4/0x2f0', '    [<0000000012345678>] kmalloc_trace+0x26/0x60', '    [<0000000087654321>] gadget_add+0x2f/0x90', '    [<00000000abcdef01>] gadget_init+0x11/0x20', ''];
  const bare = one(t, leak.join('\n'));
  t.same([bare.title, bare.kind, bare.corrupted], ['memory leak in gadget_add', 'memory-leak', false], 'kmemleak read from debugfs');
  const syz = one(t, log('BUG: memory leak', ...leak));
  t.equal(syz.title, 'memory leak in gadget_add', 'syzkaller prints "BUG: memory leak" first: one report');
  const two = parseCrashes([...leak, ...leak.map((l) => l.replace('gadget_add', 'gizmo_add'))].join('\n'));
  t.same(two.map((r) => r.title), ['memory leak in gadget_add', 'memory leak in gizmo_add'], 'each leaked object is a report');

  const kfence = one(
    t,
    [
      '==================================================================',
      'BUG: KFENCE: out-of-bounds read in gadget_peek+0x2c/0x60',
      '',
      'Out-of-bounds read at 0x00000000deadbeef (1B right of kfence-#12):',
      ' gadget_peek+0x2c/0x60',
      ' gadget_ioctl+0x51/0x2c0',
      '',
      'kfence-#12: 0x00000000c0ffee00-0x00000000c0ffee1f, size=32, cache=kmalloc-32',
      '',
      'allocated by task 1 on cpu 0 at 3.012345s:',
      ' gadget_add+0x2f/0x90',
      '',
      'CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1',
      'Hardware name: linux,dummy-virt (DT)',
      '==================================================================',
    ].join('\n'),
  );
  t.same([kfence.title, kfence.kind, kfence.corrupted, kfence.frames.length], ['KFENCE: out-of-bounds read in gadget_peek', 'kfence', false, 2]);

  const kmsan = one(t, log('=====================================================', 'BUG: KMSAN: uninit-value in gadget_parse+0x2c/0x60', ' gadget_parse+0x2c/0x60', ' gadget_ioctl+0x51/0x2c0', '', 'Uninit was created at:', ' __kmalloc+0x1f/0x40', ' gadget_add+0x2f/0x90', '', cpu, '====================================================='));
  t.same([kmsan.title, kmsan.kind, kmsan.corrupted], ['KMSAN: uninit-value in gadget_parse', 'kmsan', false]);
});

t.test('x86 faults that bootlab arches do not print: divide error, double fault', async (t) => {
  const divide = one(t, log('divide error: 0000 [#1] PREEMPT SMP KASAN', cpu, 'RIP: 0010:gadget_ratio+0x1d/0x40', 'RSP: 0018:ffffc90000013e28 EFLAGS: 00010246', 'Call Trace:', ' <TASK>', ' gadget_ioctl+0x51/0x2c0', ' </TASK>', '---[ end trace 0000000000000000 ]---', 'RIP: 0010:gadget_ratio+0x1d/0x40', 'Kernel panic - not syncing: Fatal exception', '---[ end Kernel panic - not syncing: Fatal exception ]---'));
  t.same([divide.title, divide.kind, divide.panic], ['divide error in gadget_ratio', 'divide-error', 'Fatal exception']);
  const double = one(t, log('traps: PANIC: double fault, error_code: 0x0', 'double fault: 0000 [#1] PREEMPT SMP KASAN', cpu, 'RIP: 0010:gadget_recurse+0x8/0x20', 'Call Trace:', ' <TASK>', ' gadget_recurse+0x12/0x20', ' </TASK>', '---[ end trace 0000000000000000 ]---'));
  t.same([double.title, double.kind], ['PANIC: double fault in gadget_recurse', 'double-fault']);
});

t.test('hangs and stalls name what the task or CPU was running', async (t) => {
  const hung = (frames: string[]): CrashReport => one(t, log('INFO: task syz-executor.0:4321 blocked for more than 143 seconds.', '      Not tainted 6.1.0 #1', '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.', 'task:syz-executor.0 state:D stack:0 pid:4321 ppid:1 flags:0x00004004', 'Call Trace:', ' <TASK>', ' __schedule+0x3a5/0x900', ' schedule+0x5d/0xd0', ...frames, ' </TASK>', 'Showing all locks held in the system:'));
  t.equal(hung([' schedule_timeout+0x1d5/0x240', ' wait_for_completion+0x84/0x110', ' __synchronize_srcu+0xe7/0x120', ' gadget_remove+0x51/0x90']).title, 'INFO: task hung in synchronize_rcu', 'any synchronize_*() is synchronize_rcu');
  t.equal(hung([' rwsem_down_write_slowpath+0x2ab/0x6f0', ' down_write+0x5b/0x60', ' gadget_remove+0x51/0x90']).title, 'INFO: task hung in gadget_remove');
  const cantDie = one(t, log("INFO: task syz-executor.0:4321 can't die for more than 143 seconds.", 'task:syz-executor.0 state:R running task stack:0 pid:4321', 'Call Trace:', ' <TASK>', ' schedule+0x5d/0xd0', ' gadget_wait+0x51/0x90', ' </TASK>'));
  t.same([cantDie.title, cantDie.kind], ["INFO: task can't die in gadget_wait", 'hung-task']);

  const stall = one(t, log('watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [syz-executor.0:4321]', 'Modules linked in:', cpu, 'RIP: 0010:_raw_spin_unlock_irqrestore+0x25/0x40', 'Call Trace:', ' <TASK>', ' gadget_spin+0x44/0x90', ' gadget_ioctl+0x51/0x2c0', ' __x64_sys_ioctl+0x8b/0xc0', ' do_syscall_64+0x38/0x90', ' entry_SYSCALL_64_after_hwframe+0x63/0xcd', ' </TASK>'));
  t.equal(stall.title, 'BUG: soft lockup in gadget_ioctl', 'outside boot, the frame just inside the syscall entry (syzkaller)');
});

t.test('reboots, banners and user-space faults', async (t) => {
  const boot = ['Linux version 6.1.0 (bootlab@bootlab) #1 SMP', '[    0.000000] Booting Linux on physical CPU 0x0'];
  t.same(parseCrashes(boot.join('\n')), [], 'the first boot banner is the boot');
  t.notOk(isCrashLine('Linux version 6.1.0 (bootlab@bootlab) #1 SMP'), 'the streaming monitor never calls a banner a crash');
  const rebooted = parseCrashes(['[    0.000000] Booting Linux on physical CPU 0x0', '[   12.345678] gadget: ready', 'Booting the kernel.', '[    0.000000] Linux version 6.1.0 (bootlab@bootlab) #1 SMP'].join('\n'));
  t.same(
    rebooted.map((r) => [r.title, r.kind, r.corrupted]),
    [['unexpected kernel reboot', 'reboot', false]],
    'a banner after the kernel ran is a reboot; the lines of one reboot are one report',
  );
  t.same(parseCrashes(log('Kernel panic - not syncing: panic_on_warn set ...', '---[ end Kernel panic - not syncing: panic_on_warn set ... ]---')), [], 'the panic_on_warn banner alone is no crash');
  t.equal(parseCrashes(log('Kernel panic - not syncing: Fatal exception', '---[ end Kernel panic - not syncing: Fatal exception ]---'))[0]?.corrupted, true, 'a lone Fatal exception is a crash whose report is lost');
  t.same(parseCrashes(log('INFO: lockdep is turned off.', 'WARNING: Unprivileged eBPF is enabled, data leaks possible via Spectre v2 BHB attacks!')), [], 'notes are not crashes');
  const user = ['Internal error: Oops - Undefined instruction: 0000000002000000 [#1] SMP', 'CPU: 0 PID: 77 Comm: init Not tainted 6.1.0 #1', 'pstate: 60000000 (nZCv daif -PAN -UAO -TCO -DIT -SSBS BTYPE=--)', 'pc : 0000aaaad6e91234', 'lr : 0000aaaad6e91200', 'sp : 0000ffffe1234560', '---[ end trace 0000000000000000 ]---'];
  t.same(parseCrashes(user.join('\n')), [], 'an Internal error at a user-space pc with no kernel frame is the program\'s');
});

t.test('a call trace that cannot be right gives "in corrupted", not a wrong function', async (t) => {
  const r = one(t, log('BUG: unable to handle page fault for address: ffffffffffffff8b', '#PF: supervisor read access in kernel mode', 'Oops: 0000 [#1] PREEMPT SMP', cpu, 'RIP: 0010:memcpy_erms+0x6/0x10', 'Call Trace:', ' <TASK>', ' gadget_copy+0x9a0/0x40', ' gadget_ioctl+0x51/0x2c0', ' </TASK>', '---[ end trace 0000000000000000 ]---'));
  t.same([r.title, r.corrupted, r.guiltyFunction], ['BUG: unable to handle kernel paging request in corrupted', true, undefined]);
  t.match(r.corruptedReason, /gadget_copy\+0x9a0\/0x40\) lies outside its function/);
});

t.test('syscall entry points are named as syzbot names them', async (t) => {
  const r = one(t, log('------------[ cut here ]------------', 'WARNING: CPU: 1 PID: 4321 at kernel/foo.c:12 __do_sys_gadget+0x10/0x20', cpu, 'RIP: 0010:__do_sys_gadget+0x10/0x20', 'Call Trace:', ' <TASK>', ' do_syscall_64+0x38/0x90', ' </TASK>', '---[ end trace 0000000000000000 ]---'));
  t.equal(r.title, 'WARNING in gadget');
});

t.test('an rcu stall dumped from an NMI is named after the pc the NMI interrupted', async (t) => {
  const r = one(
    t,
    log(
      'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
      'rcu: \t1-...!: (10499 ticks this GP) idle=9f4/1/0x4000000000000000 softirq=5/5 fqs=0',
      'Sending NMI from CPU 0 to CPUs 1:',
      'NMI backtrace for cpu 1',
      cpu,
      'Call Trace:',
      ' <NMI>',
      ' nmi_cpu_backtrace+0x1b3/0x1f0',
      ' nmi_cpu_backtrace_handler+0xc/0x20',
      ' nmi_handle+0x5f/0x150',
      ' default_do_nmi+0x41/0x120',
      ' exc_nmi+0x105/0x130',
      ' end_repeat_nmi+0x16/0x67',
      'RIP: 0010:gadget_poll+0x3a/0x70',
      'RSP: 0018:ffffc90000013e28 EFLAGS: 00000246',
      ' </NMI>',
      ' <TASK>',
      ' gadget_ioctl+0x51/0x2c0',
      ' __x64_sys_ioctl+0x8b/0xc0',
      ' do_syscall_64+0x38/0x90',
      ' </TASK>',
    ),
  );
  t.same([r.title, r.kind], ['INFO: rcu detected stall in gadget_ioctl', 'rcu-stall'], 'syzkaller names the frame inside the syscall');
});

t.test('symbolized inline frames with an address do not end a kmemleak backtrace', async (t) => {
  const r = one(
    t,
    [
      'unreferenced object 0xffff888012345600 (size 32):',
      '  comm "syz-executor.0", pid 4321, jiffies 4294892321 (age 12.340s)',
      '  backtrace:',
      '    [<ffffffff81a2b3c4>] kmemleak_alloc_recursive include/linux/kmemleak.h:42 [inline]',
      '    [<ffffffff81a2b3c4>] slab_post_alloc_hook mm/slab.h:766 [inline]',
      '    [<ffffffff81a2b3c4>] slab_alloc_node mm/slub.c:3452 [inline]',
      '    [<ffffffff81a2b3c4>] __kmem_cache_alloc_node+0x2f1/0x3b0 mm/slub.c:3491',
      '    [<ffffffff81a2c000>] kmalloc_trace+0x26/0x60 mm/slab_common.c:1061',
      '    [<ffffffff82345678>] gadget_add+0x2f/0x90 drivers/misc/gadget.c:77',
      '',
    ].join('\n'),
  );
  t.same([r.title, r.corrupted], ['memory leak in gadget_add', false]);
});

t.test('frames whose address printk hashed before the random pool was ready', async (t) => {
  const r = one(t, ['unreferenced object 0xffffff80029dde00 (size 256):', '  comm "swapper/0", pid 1, jiffies 4294892683', '  backtrace:', '    [<(____ptrval____)>] __kmem_cache_alloc_node+0x1bc/0x284', '    [<(____ptrval____)>] kmalloc_trace+0x44/0xa0', '    [<(____ptrval____)>] gadget_add+0x28/0x30', '    [<(____ptrval____)>] do_one_initcall+0x17c/0x328', ''].join('\n'));
  t.same([r.title, r.frames.length], ['memory leak in gadget_add', 4]);
});

t.test('mips BUG(), lr behind a leaf helper, and a trace of nothing but plumbing', async (t) => {
  const mipsBug = one(t, ['Kernel bug detected[#1]:', 'CPU: 0 PID: 1 Comm: swapper Not tainted 6.1.0 #1', 'epc   : 80492580 gadget_check+0x10/0x20', 'ra    : 80492600 gadget_init+0x20/0x40', 'Call Trace:', '[<80492580>] gadget_check+0x10/0x20', '[<80492600>] gadget_init+0x20/0x40', '', '---[ end trace 0000000000000000 ]---'].join('\n'));
  t.same([mipsBug.title, mipsBug.kind], ['kernel BUG in gadget_check', 'kernel-bug']);
  const leaf = one(t, ['watchdog: BUG: soft lockup - CPU#1 stuck for 3s! [swapper/0:1]', 'CPU: 1 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1', 'PC is at __asan_load4+0x0/0x58', 'LR is at gadget_spin+0xa9/0xd0', 'pc : [<c026e17c>]    lr : [<c038862d>]    psr: a0000033', ' __asan_load4 from 0x60000013', 'gadget: done'].join('\n'));
  t.equal(leaf.title, 'BUG: soft lockup in gadget_spin', 'pc in a KASAN check: lr names the caller');
  const cut = one(t, ['------------[ cut here ]------------', 'WARNING: CPU: 0 PID: 1 at lib/debugobjects.c:515 debug_print_object+0xc8/0x120', 'Call Trace:', '[<8010a580>] show_stack+0x50/0x12c', '[<804940c8>] dump_stack_lvl+0x4c/0x98', '[<8012cf84>] __warn+0x94/0x150', '[<803763f0>] debug_print_object+0xc8/0x120', '[<803780c4>] debug_check_no_obj_freed+0x2cc/0x328', '', '---[ end trace 0000000000000000 ]---'].join('\n'));
  t.same([cut.title, cut.corrupted], ['WARNING: ODEBUG bug in corrupted', true], 'a trace cut before the caller names no helper');
});

t.test('a busy loop caught in cpu_relax is the loop\'s caller', async (t) => {
  const r = one(t, ['watchdog: BUG: soft lockup - CPU#1 stuck for 3s! [swapper/0:1]', 'CPU: 1 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1', 'pc : cpu_relax+0x8/0x10', 'lr : gadget_spin+0x44/0x90', 'sp : ffff80000a2ebd40', 'Call trace:', ' cpu_relax+0x8/0x10', ' gadget_spin+0x44/0x90', ' do_one_initcall+0x58/0x1d0', ' kernel_init+0x24/0x12c', ' ret_from_fork+0x10/0x20', 'gadget: done'].join('\n'));
  t.equal(r.title, 'BUG: soft lockup in gadget_spin');
});
