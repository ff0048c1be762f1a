import t from 'tap';
import { ConsoleMonitor, DEFAULT_MONITOR } from '../../harness/boot/console.ts';
import { decideVerdict } from '../../harness/boot/verdict.ts';
import { toConsoleLine } from '../../harness/crash/console.ts';
import { parseCrashLines } from '../../harness/crash/parse.ts';
import { crashFixtureNames, fixtureLog } from '../crash/fixture-log.ts';


const clean = { exitCode: 0, signal: undefined, killedByUs: false, stderr: '' };
const killed = { exitCode: undefined, signal: 'SIGKILL', killedByUs: true, stderr: '' };

function feedAll(m: ConsoleMonitor, lines: [number, string][]): void {
  for (const [t, l] of lines) m.feed(l, t);
}

t.test('a panic stops QEMU at the end-of-panic marker', async (t) => {
  const m = new ConsoleMonitor();
  feedAll(m, [
    [100, 'Booting Linux on physical CPU 0x0'],
    [900, 'Kernel panic - not syncing: Attempted to kill the idle task!'],
    [910, 'SMP: stopping secondary CPUs'],
  ]);
  t.equal(m.check(920), undefined, 'waits for the rest of the trace');
  m.feed('---[ end Kernel panic - not syncing: Attempted to kill the idle task! ]---', 930);
  t.equal(m.check(935), 'panic');
  t.same(decideVerdict(m, 'panic', killed), { verdict: 'crash', reason: 'Kernel panic - not syncing: Attempted to kill the idle task!', evidence: 'console' });
});

t.test('a panic without its end marker still stops within the grace period, even while output continues', async (t) => {
  const m = new ConsoleMonitor();
  m.feed('Kernel panic - not syncing: VFS: Unable to mount root fs', 5000);
  for (let ms = 5100; ms < 5000 + DEFAULT_MONITOR.panicGraceMs; ms += 100) {
    m.feed('random trace line', ms);
    t.equal(m.check(ms), undefined);
  }
  t.equal(m.check(5000 + DEFAULT_MONITOR.panicGraceMs), 'panic');
});

t.test('an oops followed by silence is a crash after the quiet period, not a hang', async (t) => {
  const m = new ConsoleMonitor();
  feedAll(m, [
    [200, 'Unable to handle kernel paging request at virtual address ffff0000ffffffff'],
    [210, 'Internal error: Oops: 96000047 [#1] SMP'],
  ]);
  t.equal(m.check(210 + DEFAULT_MONITOR.crashQuietMs - 1), undefined);
  t.equal(m.check(210 + DEFAULT_MONITOR.crashQuietMs), 'crash-quiet');
  t.equal(decideVerdict(m, 'crash-quiet', killed).verdict, 'crash');
});

t.test('silence without a crash is a hang after the inactivity window; partial output counts as activity', async (t) => {
  const m = new ConsoleMonitor({ ...DEFAULT_MONITOR, inactivityMs: 3000 });
  m.feed('Booting Linux', 100);
  t.equal(m.check(3099), undefined);
  m.touch(3000);
  t.equal(m.check(5999), undefined);
  t.equal(m.check(6000), 'inactivity');
  t.match(decideVerdict(m, 'inactivity', killed), { verdict: 'hang', reason: /no console output for 3s/ });
});

t.test('a vCPU found stuck for good is a hang at once, unless the console spoke after the look began', async (t) => {
  const m = new ConsoleMonitor(DEFAULT_MONITOR);
  m.feed('Booting Linux', 300);
  t.notOk(m.probeDue(1299), 'not before stuckProbeMs of silence');
  t.ok(m.probeDue(1300), 'due after stuckProbeMs of silence');
  t.notOk(m.probeDue(1350), 'one look per stretch of silence');
  t.equal(m.check(1600), undefined, 'nothing found yet');
  m.foundStuck('CPU 0 loops in the abort vector (pc ffff000c, abt32)', 1300);
  t.equal(m.check(1600), 'stuck');
  t.match(decideVerdict(m, 'stuck', killed), { verdict: 'hang', reason: /^no console output since 0\.3s \(1 lines\) and CPU 0 loops in the abort vector/ });

  const moved = new ConsoleMonitor(DEFAULT_MONITOR);
  moved.feed('Booting Linux', 300);
  t.ok(moved.probeDue(1300));
  moved.feed('Calibrating delay loop', 1400);
  moved.foundStuck('CPU 0 loops in the abort vector (pc ffff000c, abt32)', 1300);
  t.equal(moved.check(1500), undefined, 'output after the look began: not stuck');
  t.notOk(moved.probeDue(2300), 'not again before stuckProbeMs after the last output');
  t.ok(moved.probeDue(2400), 'looked at again after the next stretch of silence');

  const crashed = new ConsoleMonitor(DEFAULT_MONITOR);
  crashed.feed('Unable to handle kernel paging request at virtual address 0000000000000010', 100);
  t.notOk(crashed.probeDue(5000), 'a crash on the console has its own rules');
});

t.test('a crash found in the printk ring of a silent guest stops it at once, unless the console spoke after the look began', async (t) => {
  const m = new ConsoleMonitor(DEFAULT_MONITOR);
  m.feed('Booting Linux', 200);
  t.ok(m.probeDue(1200));
  m.foundCrashInMemory('Unable to handle kernel paging request at virtual address ffffff8000000000', 1200);
  t.notOk(m.probeDue(2200), 'nothing more to look for');
  t.equal(m.check(1300), 'silent-crash', 'called a second after the console went quiet, not after the inactivity window');
  const recovered = parseCrashLines(['Unable to handle kernel paging request at virtual address ffffff8000000000', 'Call trace:', ' cma_init_reserved_mem+0x50/0x1a0']);
  t.match(decideVerdict(m, 'silent-crash', killed, recovered), {
    verdict: 'crash',
    evidence: 'guest-memory',
    reason: /^recovered from guest memory: Unable to handle kernel paging request .* \(the console stayed silent: no console output since 0\.2s \(1 lines\), and a crash in the printk buffer\)$/,
  });
  t.match(decideVerdict(m, 'silent-crash', killed, []), { verdict: 'hang', reason: /a crash in the printk buffer/ }, 'a ring that could not be read again is still not a pass');

  const moved = new ConsoleMonitor(DEFAULT_MONITOR);
  moved.feed('Booting Linux', 200);
  t.ok(moved.probeDue(1200));
  moved.feed('Unable to handle kernel paging request at virtual address 0', 1250);
  moved.foundCrashInMemory('Unable to handle kernel paging request at virtual address 0', 1200);
  t.not(moved.check(1300), 'silent-crash', 'the console showed it: the console rules decide');
});

t.test('the overall timeout is a hang even while the guest keeps talking', async (t) => {
  const m = new ConsoleMonitor({ ...DEFAULT_MONITOR, timeoutMs: 10_000 });
  for (let ms = 0; ms <= 10_000; ms += 500) m.feed('chatter', ms);
  t.equal(m.check(10_000), 'timeout');
  t.equal(decideVerdict(m, 'timeout', killed).verdict, 'hang');
});

t.test('a complete report and a clean exit is a pass; no report is an infra error', async (t) => {
  const m = new ConsoleMonitor();
  feedAll(m, [
    [1, '@@bootlab begin v1 ~8'],
    [2, '@@bootlab cma reserved base_pfn=765440 count=16384 order_per_bit=0 used=0 maxchunk=16384 ~78'],
    [3, '@@bootlab end v1 ~6'],
    [4, 'reboot: Power down'],
  ]);
  t.same(decideVerdict(m, undefined, clean).verdict, 'pass');
  const empty = new ConsoleMonitor();
  empty.feed('reboot: Power down', 5);
  t.same(decideVerdict(empty, undefined, clean), { verdict: 'infra-error', reason: 'the guest powered off without a report', evidence: 'console' });
});

t.test('QEMU failing by itself is a qemu-error with its own message', async (t) => {
  const m = new ConsoleMonitor();
  const v = decideVerdict(m, undefined, { exitCode: 1, signal: undefined, killedByUs: false, stderr: "qemu-system-mips: Could not open 'vgabios-cirrus.bin'\n" });
  t.same(v, { verdict: 'qemu-error', reason: "qemu-system-mips: Could not open 'vgabios-cirrus.bin'", evidence: 'console' });
  t.equal(decideVerdict(m, undefined, { exitCode: undefined, signal: 'SIGKILL', killedByUs: false, stderr: '' }).verdict, 'infra-error');
});

t.test('a crash found in the printk buffer of a silent guest turns its hang into a crash from guest memory', async (t) => {
  const m = new ConsoleMonitor({ ...DEFAULT_MONITOR, inactivityMs: 5000 });
  const recovered = parseCrashLines(fixtureLog('arm64-cma-paging-request.log').split('\n'));
  const v = decideVerdict(m, 'inactivity', killed, recovered);
  t.equal(v.verdict, 'crash');
  t.equal(v.evidence, 'guest-memory');
  t.match(v.reason, /^recovered from guest memory: Unable to handle kernel paging request .* \(the console stayed silent: no console output for 5s/);
  t.equal(decideVerdict(m, 'inactivity', killed, []).verdict, 'hang', 'nothing recovered: a hang');
});

t.test('the first crash the monitor sees as the console streams is the first report the parser finds in the lines it kept', async (t) => {
  for (const file of crashFixtureNames()) {
    const m = new ConsoleMonitor();
    fixtureLog(file).split('\n').forEach((line, i) => m.feed(line, i));
    const reports = parseCrashLines(m.lines());
    t.equal(m.firstCrash !== undefined, reports.length > 0, `${file}: both see a crash, or neither`);
    if (m.firstCrash && reports[0]) t.equal(toConsoleLine(m.firstCrash.line).text, reports[0].header, `${file}: the same line`);
  }
});

t.test('memory stays bounded on an endless console, and the first crash is kept even when it comes late', async (t) => {
  const m = new ConsoleMonitor();
  const filler = 'x'.repeat(1000);
  for (let i = 0; i < 12_000; i++) m.feed(`[${i}] ${filler}`, i);
  const crash = fixtureLog('arm64-cma-paging-request.log').split('\n');
  crash.forEach((line, i) => m.feed(line, 12_000 + i));
  for (let i = 0; i < 12_000; i++) m.feed(`[after ${i}] ${filler}`, 30_000 + i);
  const kept = m.lines();
  const chars = kept.reduce((n, l) => n + l.length, 0);
  t.ok(chars < 18 * 2 ** 20, `${(chars / 2 ** 20).toFixed(1)} MiB kept of ${(m.lineCount * 1000) / 2 ** 20} MiB`);
  t.ok(kept.some((l) => /console lines not kept in memory/.test(l)), 'a marker says where lines were left out');
  t.equal(parseCrashLines(kept)[0]?.title, 'BUG: unable to handle kernel paging request in cma_init_reserved_mem');
  t.equal(kept.at(-1), `[after 11999] ${filler}`, 'the end of the console is kept');
});

t.test('a crash that starts at the very end of the head keeps its whole report', async (t) => {
  const m = new ConsoleMonitor();
  const filler = 'x'.repeat(1000);
  // Just short of the 8 MiB head, so the oops begins in it and ends after it.
  const fill = `[fill] ${filler}`;
  for (let chars = 0; chars + fill.length < 8 * 2 ** 20 - 1200; chars += fill.length) m.feed(fill, 0);
  fixtureLog('arm64-cma-paging-request.log').split('\n').forEach((line) => m.feed(line, 1));
  for (let i = 0; i < 12_000; i++) m.feed(`[after ${i}] ${filler}`, 2);
  const [report] = parseCrashLines(m.lines());
  t.equal(report?.title, 'BUG: unable to handle kernel paging request in cma_init_reserved_mem');
  t.equal(report?.corrupted, false, 'the report is whole, its call trace included');
});


t.test('while a debugger holds the guest nothing stops QEMU; released, silence and the timeout count from the release', async (t) => {
  const m = new ConsoleMonitor({ ...DEFAULT_MONITOR, inactivityMs: 3000, timeoutMs: 10_000 });
  m.hold();
  t.equal(m.check(60_000), undefined, 'a minute of a paused guest is not a hang');
  t.notOk(m.probeDue(60_000), 'nor is the vCPU looked at');
  m.feed('Unable to handle kernel paging request at virtual address 0000000000000010', 61_000);
  t.equal(m.check(70_000), undefined, 'a crash under the debugger is for the debugger to look at');
  const r = new ConsoleMonitor({ ...DEFAULT_MONITOR, inactivityMs: 3000, timeoutMs: 10_000 });
  r.hold();
  r.release(60_000);
  t.equal(r.check(62_999), undefined);
  t.equal(r.check(63_000), 'inactivity', 'silence counts from the release');
  r.feed('Booting Linux', 65_000);
  t.equal(r.check(67_000), undefined);
  for (let ms = 66_000; ms < 70_000; ms += 1000) r.feed('chatter', ms);
  t.equal(r.check(70_000), 'timeout', 'the timeout counts from the release');
});

t.test('while gdb run by bootlab holds the guest, time means nothing but a crash still ends the boot', async (t) => {
  const m = new ConsoleMonitor({ ...DEFAULT_MONITOR, inactivityMs: 3000, timeoutMs: 10_000 });
  m.hold('time');
  t.equal(m.check(60_000), undefined, 'a guest paused at a breakpoint is not a hang');
  t.notOk(m.probeDue(60_000), 'nor is the vCPU looked at');
  m.feed('Unable to handle kernel paging request at virtual address 0000000000000010', 61_000);
  t.equal(m.check(61_000 + DEFAULT_MONITOR.crashQuietMs), 'crash-quiet', 'a crash before the breakpoint ends the boot');
});
