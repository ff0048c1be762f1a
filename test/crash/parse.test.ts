import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isCrashLine, isEndOfPanic, parseCrashes, type CrashReport } from '../../harness/crash/parse.ts';
import { ARM64_CMA_TRACE } from './fixture-log.ts';

/**
 * Fixtures are syzkaller-style: header lines, a blank line, then the raw console log.
 * Each "TITLE:" starts one expected report, in order; TYPE, GUILTY and CORRUPTED describe the
 * report of the TITLE above them. A lone empty "TITLE:" means the log holds no crash.
 */
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'crash');

interface Expected {
  title: string;
  kind: string;
  guilty: string;
  corrupted: boolean;
}

function loadFixture(name: string): { expected: Expected[]; log: string } {
  const text = readFileSync(join(FIXTURES, name), 'utf8');
  const blank = /\r?\n\r?\n/.exec(text);
  if (!blank) throw new Error(`${name}: no blank line after the TITLE/TYPE/GUILTY/CORRUPTED header`);
  const expected: Expected[] = [];
  for (const raw of text.slice(0, blank.index).split('\n')) {
    const m = /^(TITLE|TYPE|GUILTY|CORRUPTED):\s*(.*?)\s*$/.exec(raw.replace(/\r$/, ''));
    if (!m) throw new Error(`${name}: "${raw}" is not a fixture header line`);
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'TITLE') {
      if (value !== '') expected.push({ title: value, kind: '', guilty: '', corrupted: false });
      continue;
    }
    const current = expected.at(-1);
    if (!current) throw new Error(`${name}: ${key} before any non-empty TITLE`);
    if (key === 'TYPE') current.kind = value;
    if (key === 'GUILTY') current.guilty = value;
    if (key === 'CORRUPTED') current.corrupted = value === 'true';
  }
  return { expected, log: text.slice(blank.index + blank[0].length) };
}

const fixtureNames = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.log'))
  .sort();

const summary = (r: CrashReport): Expected => ({
  title: r.title,
  kind: r.kind,
  guilty: r.guiltyFunction ?? '',
  corrupted: r.corrupted,
});

const parseFixture = (name: string): CrashReport[] => parseCrashes(loadFixture(name).log);

t.test('every fixture parses into the reports its header lists', async (t) => {
  t.ok(fixtureNames.length >= 20, 'the fixture folder is there');
  for (const name of fixtureNames) {
    const { expected, log } = loadFixture(name);
    t.same(parseCrashes(log).map(summary), expected, name);
  }
});

t.test('zoo.json names, per arch, the fixture of every zoo bug that has a detector, with the title it gets', async (t) => {
  const zoo = JSON.parse(readFileSync(join(FIXTURES, 'zoo.json'), 'utf8')) as Record<string, Record<string, { fixture?: string; title?: string; guilty?: string; detector?: false; why?: string }>>;
  t.same(Object.keys(zoo).sort(), ['arm', 'arm64', 'mips']);
  for (const [arch, bugs] of Object.entries(zoo)) {
    for (const [bug, e] of Object.entries(bugs)) {
      if (e.detector === false) {
        t.ok(e.why, `${arch} ${bug}: says why it has no detector`);
        continue;
      }
      t.equal(e.fixture, `recorded-zoo-${arch}-${bug}.log`, `${arch} ${bug}: its fixture`);
      const [first] = parseFixture(e.fixture!);
      t.same([first?.title, first?.guiltyFunction ?? ''], [e.title, e.guilty ?? ''], `${arch} ${bug}`);
    }
  }
});

t.test('the arm64 CMA oops: fault address, pc, lr, registers, task, release, panic folded in', async (t) => {
  const [r, ...rest] = parseFixture('arm64-cma-paging-request.log');
  t.equal(rest.length, 0, 'the idle-task panic is part of the oops, not a report of its own');
  t.equal(r!.title, 'BUG: unable to handle kernel paging request in cma_init_reserved_mem');
  t.equal(r!.header, 'Unable to handle kernel paging request at virtual address ffff00007fe00000');
  t.equal(r!.faultAddress, 'ffff00007fe00000');
  t.same(r!.pc, { function: '__memset', offset: 0x16c, size: 0x188 });
  t.same(r!.lr, { function: 'memblock_alloc_try_nid', offset: 0xcc, size: 0xe0 });
  t.equal(r!.registers['x0'], 'ffff00007fe00000');
  t.equal(r!.registers['x9'], '0000000000000000');
  t.equal(r!.registers['sp'], 'ffff80000a143c90');
  t.equal(r!.registers['pstate'], '600000c5');
  t.equal(Object.keys(r!.registers).length, 32, 'x0-x29, sp and pstate');
  t.same([r!.cpu, r!.pid, r!.comm, r!.taint, r!.kernelVersion], [0, 0, 'swapper', '', '6.1.0']);
  t.equal(r!.panic, 'Attempted to kill the idle task!');
  t.same(r!.frames.map((f) => f.function), [...ARM64_CMA_TRACE]);
  t.same(r!.frames[2], { function: 'cma_init_reserved_mem', offset: 0x98, size: 0x154, reliable: true });
  t.same([r!.startLine, r!.endLine], [10, 54], 'from the header to the end of the panic');
  t.equal(r!.excerpt.length, 45);
  t.equal(r!.excerpt[0], '[    0.000000] Unable to handle kernel paging request at virtual address ffff00007fe00000');
  t.equal(r!.excerpt.at(-1), '[    0.000000] ---[ end Kernel panic - not syncing: Attempted to kill the idle task! ]---');
});

t.test('arm: "PC is at", the pc/lr addresses, the register dump and the (f) from (g) backtrace', async (t) => {
  const [r] = parseFixture('arm-cma-paging-request.log');
  t.same(r!.pc, { function: 'memset', offset: 0x60, size: 0xa8, address: 'c0a1b2e0' });
  t.same(r!.lr, { function: 'memblock_alloc_try_nid', offset: 0x8c, size: 0xa0, address: 'c13a2d44' });
  t.equal(r!.faultAddress, 'ef800000');
  t.same(
    ['r0', 'r7', 'r10', 'sp', 'ip', 'fp', 'psr'].map((n) => r!.registers[n]),
    ['ef800000', '00000000', 'c1609d80', 'c1601e78', 'ef800000', 'c1601e9c', '600001d3'],
    'the saved registers the unwinder prints between frames ("r7:04000000") are not the fault registers',
  );
  t.same(
    r!.frames.map((f) => [f.function, f.address]),
    [
      ['memset', 'c0a1b280'],
      ['memblock_alloc_try_nid', 'c13a2d44'],
      ['cma_init_reserved_mem', 'c13b4f38'],
      ['cma_declare_contiguous_nid', 'c13b5204'],
      ['dma_contiguous_reserve_area', 'c13b9a14'],
      ['dma_contiguous_reserve', 'c13b9ad0'],
      ['arm_memblock_init', 'c1306f6c'],
      ['setup_arch', 'c1303b0c'],
      ['start_kernel', 'c1300b4c'],
    ],
    'each line names two frames; the callee repeated from the line before appears once',
  );
  t.equal(r!.excerpt[0], '[    0.000000] 8<--- cut here ---', 'the cut-here line opens the report');
});

t.test('arm since 5.13: " f from g+off" lines with no trace header still make a call trace', async (t) => {
  const [r] = parseFixture('arm-warning-unwinder.log');
  t.same(r!.frames.slice(0, 3), [
    { function: 'unwind_backtrace', reliable: true },
    { function: 'show_stack', offset: 0x10, size: 0x14, reliable: true },
    { function: 'dump_stack_lvl', offset: 0x40, size: 0x4c, reliable: true },
  ]);
  t.equal(r!.frames.at(-1)!.function, 'start_kernel', '"start_kernel from 0x0" ends the stack');
  t.equal(r!.endLine, 20, 'the report ends at its end marker; the "cma: Failed" line after it is not part of it');
});

t.test('arm without KALLSYMS: frames are addresses, and the title has no function', async (t) => {
  const [r] = parseFixture('arm-no-kallsyms.log');
  t.same(r!.pc, { address: 'c0412a3c' });
  t.same(
    r!.frames.map((f) => f.address),
    ['c0412a00', 'c0413bd0', 'c0101ee4', 'c1301464', 'c0e2e3a8', 'c0100148'],
    'one frame per "Function entered at" line after the first',
  );
  t.equal(r!.guiltyFunction, undefined);
  t.equal(r!.corrupted, false, 'a kernel without symbols is not a truncated report');
});

t.test('mips: epc/ra, the $n register rows with blank k0/k1, Status, Cause, BadVA', async (t) => {
  const [r] = parseFixture('mips-cma-paging-request.log');
  t.same(r!.pc, { function: 'memset', offset: 0x90, size: 0x118, address: '8044c2b0' });
  t.same(r!.lr, { function: 'memblock_alloc_try_nid', offset: 0x6c, size: 0x94, address: '80a3c1d8' });
  t.same(
    ['$0', '$4', '$6', '$24', '$25', '$28', '$29', '$31', 'Hi', 'Status', 'Cause', 'BadVA', 'PrId', 'epc', 'ra'].map((n) => r!.registers[n]),
    ['00000000', '00000000', '00001000', '00000000', '8044c220', '80a3c000', '80a3de60', '80a3c1d8', '00000000', '10000003', '0080000c', '00000000', '00019300', '8044c2b0', '80a3c1d8'],
  );
  t.notOk('$26' in r!.registers || '$27' in r!.registers, 'k0 and k1 are printed blank');
  t.equal(r!.faultAddress, '00000000');
  t.same([r!.cpu, r!.comm, r!.kernelVersion], [0, 'swapper', '6.1.158'], 'a console without timestamps parses the same');
  t.equal(r!.frames[0]!.address, '8044c2b0');
});

t.test('x86: "?" frames are kept as unreliable and never chosen as guilty', async (t) => {
  const [r] = parseFixture('x86-page-fault.log');
  t.same(
    r!.frames.filter((f) => !f.reliable).map((f) => f.function),
    ['__die', 'page_fault_oops', 'exc_page_fault', 'asm_exc_page_fault', 'memset_orig', 'cma_declare_contiguous_nid'],
  );
  t.equal(r!.guiltyFunction, 'cma_init_reserved_mem', 'not the stale cma_declare_contiguous_nid above it');
  t.same(r!.pc, { function: 'memset_orig', offset: 0x72, size: 0xb0 });
  t.same(
    ['RSP', 'RAX', 'RDI', 'R14', 'EFLAGS', 'FS', 'GS', 'knlGS', 'CS', 'CR0', 'CR2'].map((n) => r!.registers[n]),
    ['ffffffff82603da8', '0000000000000000', 'ffff88807fe00000', '0000000000000040', '00010206', '0000000000000000', 'ffffffff82b2e000', '0000000000000000', '0010', '0000000080050033', 'ffff88807fe00000'],
  );
  t.equal(r!.faultAddress, 'ffff88807fe00000');
  t.equal(r!.panic, 'Attempted to kill the idle task!', 'the panic after the repeated RIP block is folded in');
});

t.test('stalls are blamed on the function the timer interrupt found running', async (t) => {
  const [x86] = parseFixture('x86-rcu-stall.log');
  const names = x86!.frames.map((f) => f.function);
  t.equal(names[names.indexOf('asm_sysvec_apic_timer_interrupt') + 1], 'cma_activate_area', 'x86 shows it as RIP inside the trace');
  t.equal(x86!.guiltyFunction, 'cma_activate_area');
  const [arm64] = parseFixture('arm64-rcu-stall.log');
  t.equal(arm64!.guiltyFunction, 'cma_activate_area', 'arm64 shows it right after el1h_64_irq');
  t.equal(arm64!.endLine, 32, 'the report ends with its call trace');
  const [lockup] = parseFixture('arm64-soft-lockup.log');
  t.equal(lockup!.panic, 'softlockup: hung tasks');
  t.equal(lockup!.taint, '', 'the first CPU line counts, not the panic\'s "Tainted: G L"');
});

t.test('a hung task is blamed on the first caller that is not the scheduler or a lock', async (t) => {
  const [r] = parseFixture('arm64-hung-task.log');
  t.equal(r!.guiltyFunction, 'cma_alloc');
  t.same([r!.comm, r!.pid, r!.taint, r!.kernelVersion], ['kworker/u4:1', 45, '', '6.1.158'], 'from the task: and "Not tainted" lines');
  t.equal(r!.endLine, 21, 'the locks dump after the trace is not part of the report');
});

t.test('KASAN: access type from the report body, address from "at addr"', async (t) => {
  const [r] = parseFixture('arm64-kasan.log');
  t.equal(r!.title, 'KASAN: slab-out-of-bounds Write in cma_debugfs_add_one');
  t.equal(r!.faultAddress, 'ffff0000c1f0a340');
  t.same([r!.startLine, r!.endLine], [1, 52], "between KASAN's two rules");
  t.equal(r!.frames.at(-1)!.function, 'ret_from_fork', 'the first stack only, not "Allocated by task"');
});

t.test('a WARNING followed by an Oops gives two reports, in order, each with its own lines', async (t) => {
  const [warning, oops] = parseFixture('arm64-warning-then-oops.log');
  t.equal(warning!.kind, 'warning');
  t.equal(warning!.panic, undefined);
  t.equal(warning!.excerpt[0], '[    0.000000] ------------[ cut here ]------------');
  t.ok(warning!.endLine < oops!.startLine);
  t.equal(oops!.taint, 'GW', 'the oops happens in a kernel the warning tainted');
  t.equal(oops!.panic, 'Attempted to kill init!', "init's exit code is not part of the message");
});

t.test('CONFIG_PRINTK_CALLER: lines of other tasks and CPUs are left out of the report', async (t) => {
  const [r] = parseFixture('caller-ids-interleaved.log');
  t.notOk(
    r!.excerpt.some((l) => /\[ *(?:C1|T57)\]/.test(l)),
    'no line of C1 or T57',
  );
  t.ok(r!.excerpt.every((l) => l.includes('[    T1]')));
  t.equal(r!.frames.length, 6, 'three foreign lines inside the trace do not end it');
});

t.test('without caller ids, a few lines of another CPU inside the trace do not end it', async (t) => {
  const [r] = parseFixture('interleaved-no-ids.log');
  t.same(
    r!.frames.map((f) => f.function),
    ['cma_debugfs_add_one', 'cma_debugfs_init', 'do_one_initcall', 'kernel_init_freeable', 'kernel_init', 'ret_from_fork'],
  );
  t.equal(r!.registers['x13'], '0000000000000000', 'nor does one inside the register dump');
});

t.test('CRLF, ANSI escapes, NUL bytes and U+FFFD do not reach the report', async (t) => {
  const [r] = parseFixture('crlf-ansi-nul.log');
  t.equal(r!.header, 'Unable to handle kernel NULL pointer dereference at virtual address 0000000000000018');
  t.notOk(r!.excerpt.some((l) => /[\r\x1b\x00\ufffd]/.test(l)));
  t.equal(r!.frames.length, 6);
  t.equal(r!.kernelVersion, '6.1.158');
});

t.test('a report cut off by the end of the log is corrupted, and says why', async (t) => {
  const [registers] = parseFixture('truncated-registers.log');
  t.equal(registers!.corruptedReason, 'the report has no call trace');
  t.equal(registers!.guiltyFunction, '__memset', 'with nothing but plumbing to go on, the pc stands');
  const [trace] = parseFixture('truncated-trace.log');
  t.equal(trace!.corruptedReason, 'the report stops before its end marker');
  t.equal(trace!.frames.length, 8);
  const [orphan] = parseFixture('orphan-fatal-exception.log');
  t.match(orphan!.corruptedReason, /missing from the log/);
});

t.test('a log with no crash gives no report', async (t) => {
  t.same(parseFixture('clean-boot.log'), []);
  t.same(parseCrashes(''), []);
  t.same(parseCrashes('\n\n\r\n'), []);
});

t.test('frames in loadable modules carry the module name', async (t) => {
  const arm64 = parseCrashes(
    ['Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000', 'pc : cma_test_init+0x20/0x40 [cma_test]', 'Call trace:', ' cma_test_init+0x20/0x40 [cma_test]', ' do_one_initcall+0x58/0x1d0', '---[ end trace 0000000000000000 ]---'].join('\n'),
  )[0]!;
  t.same(arm64.pc, { function: 'cma_test_init', offset: 0x20, size: 0x40, module: 'cma_test' });
  t.equal(arm64.frames[0]!.module, 'cma_test');
  t.equal(arm64.title, 'BUG: unable to handle kernel NULL pointer dereference in cma_test_init');
  const arm = parseCrashes(
    ['Unable to handle kernel NULL pointer dereference at virtual address 00000000', 'Backtrace: ', '[<bf00a044>] (crypt_dec_pending [dm_crypt]) from [<bf00b1e8>] (crypt_endio+0x48/0x9c [dm_crypt])', '[<bf00b1a0>] (crypt_endio [dm_crypt]) from [<c0461460>] (bio_endio+0x160/0x1b0)', '---[ end trace 0000000000000000 ]---'].join('\n'),
  )[0]!;
  t.same(
    arm.frames.map((f) => [f.function, f.module]),
    [
      ['crypt_dec_pending', 'dm_crypt'],
      ['crypt_endio', 'dm_crypt'],
      ['bio_endio', undefined],
    ],
  );
});

t.test('titles follow syzbot for other headers too', async (t) => {
  const trace = ['Call trace:', ' dump_backtrace+0x0/0x1e0', ' show_stack+0x18/0x28', ' cma_alloc+0xa8/0x4f0', ' cma_test_init+0x20/0x40'].join('\n');
  const title = (header: string, body = trace) => parseCrashes(`${header}\n${body}\n---[ end trace 0000000000000000 ]---\n`)[0]?.title;
  t.equal(title('BUG: kernel NULL pointer dereference, address: 0000000000000000', 'RIP: 0010:cma_alloc+0x12/0x30'), 'BUG: unable to handle kernel NULL pointer dereference in cma_alloc');
  t.equal(title('Unable to handle kernel write to read-only memory at virtual address ffff800008d90f80'), 'BUG: unable to handle kernel write to read-only memory in cma_alloc');
  t.equal(title('BUG: using smp_processor_id() in preemptible [00000000] code: swapper/0/1'), 'BUG: using smp_processor_id() in preemptible code in cma_alloc');
  t.equal(title('BUG: scheduling while atomic: swapper/0/1/0x00000002'), 'BUG: scheduling while atomic in cma_alloc');
  t.equal(title('general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN'), 'general protection fault in cma_alloc');
  t.equal(title('WARNING: mm/cma.c:206 at cma_alloc+0x10/0x20, CPU#0: swapper/0'), 'WARNING in cma_alloc', 'the 6.19 WARNING format');
  t.equal(title('Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: cma_alloc+0x3c/0x40'), 'kernel panic: stack is corrupted in cma_alloc');
  t.equal(title('Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100'), 'kernel panic: Attempted to kill init!');
});

t.test('isCrashLine notices a crash starting, with or without printk prefixes, and nothing else', async (t) => {
  for (const line of [
    '[    0.000000] Unable to handle kernel paging request at virtual address ffff00007fe00000',
    '[    0.421503][    T1] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000018',
    'CPU 0 Unable to handle kernel paging request at virtual address 00000000, epc == 8044c2b0, ra == 80a3c1d8',
    '<0>[   26.214010] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]',
    'rcu: INFO: rcu_sched detected stalls on CPUs/tasks:',
    'INFO: task kworker/u4:1:45 blocked for more than 120 seconds.',
    'WARNING: CPU: 0 PID: 0 at mm/cma.c:206 cma_init_reserved_mem+0x168/0x1a0',
    'kernel BUG at mm/cma.c:118!',
    'Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP',
    '[    0.612331] Oops[#1]:',
    'Unhandled fault: imprecise external abort (0x1406) at 0x00000000',
    'BUG: KASAN: slab-out-of-bounds in cma_debugfs_add_one+0x1d0/0x2b0',
    'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\r',
    '\x1b[1;31m[    0.1] BUG: scheduling while atomic: swapper/0/1/0x00000002\x1b[0m',
  ]) {
    t.ok(isCrashLine(line), JSON.stringify(line));
  }
  for (const line of [
    '[    0.000000] cma: Reserved 64 MiB at 0x00000000fc000000',
    '[    0.123441] Run /init as init process',
    '[   26.223667]  panic+0x18c/0x364',
    '[    0.000000] rcu: Hierarchical RCU implementation.',
    'WARNING: /etc/ssh/moduli does not exist, using fixed modulus',
    'traps: a.out[81] general protection fault ip:401136 sp:7ffd4e0c error:0 in a.out[401000+1000]',
    '[    0.000000] ---[ end trace 0000000000000000 ]---',
    '',
  ]) {
    t.notOk(isCrashLine(line), JSON.stringify(line));
  }
});

t.test("isEndOfPanic recognises panic's last line and only that", async (t) => {
  t.ok(isEndOfPanic('[    0.000000] ---[ end Kernel panic - not syncing: Attempted to kill the idle task! ]---'));
  t.ok(isEndOfPanic('---[ end Kernel panic - not syncing: Fatal exception ]---\r'));
  t.notOk(isEndOfPanic('[    0.000000] Kernel panic - not syncing: Attempted to kill the idle task!'));
  t.notOk(isEndOfPanic('[    0.000000] ---[ end trace 0000000000000000 ]---'));
});
