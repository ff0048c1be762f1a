/**
 * Faults on real QEMU and real builds: QEMU killed from outside, bootlab interrupted in the
 * middle of a matrix and resumed, a build killed half-way.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildOutcome } from '../../harness/kbuild/build.ts';
import { booted, bootlab, FIXTURES, pgrep, qemuProcesses, spawnBootlab, summaryOf, waitFor } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-faults-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));
const MATRIX = join(FIXTURES, 'matrices', 'faults.json');

t.test('QEMU killed with SIGKILL mid-boot is an infra-error, retried once, and the run goes on', async (t) => {
  const dir = join(out, 'sigkill');
  const child = spawnBootlab(['run', MATRIX, '--inactivity', '5', '--out', dir]);
  const victim = await waitFor(async () => (await qemuProcesses('bootlab-arm64-baseline-silent'))[0], 120_000);
  t.ok(victim, 'the silent job\'s QEMU started');
  const killed = await execa('pkill', ['-KILL', '-f', 'name bootlab-arm64-baseline-silent'], { reject: false });
  t.equal(killed.exitCode, 0, 'pkill found the QEMU');
  const r = await child;
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  const s = summaryOf(dir);
  const silent = s.jobs.find((j) => j.profile === 'silent')!;
  t.same(booted(silent).boots.map((b) => b.verdict), ['infra-error', 'hang'], 'the killed attempt is an infra-error, the retry hangs as expected');
  t.equal(silent.asExpected, true);
  t.same(s.jobs.map((j) => j.verdict), ['pass', 'pass', 'hang'], 'the other jobs ran as usual');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`${signal} mid-matrix kills every child, keeps finished results, and --resume finishes only the rest`, async (t) => {
    const dir = join(out, signal);
    const child = spawnBootlab(['run', MATRIX, '--parallel', '1', '--inactivity', '120', '--out', dir]);
    const hanging = await waitFor(async () => ((await qemuProcesses('bootlab-arm64-baseline-silent')).length > 0 ? true : undefined), 120_000);
    t.ok(hanging, 'the two quick jobs finished and the silent one is booting');
    child.kill(signal);
    const r = await child;
    t.equal(r.exitCode, signal === 'SIGINT' ? 130 : 143);
    t.same(await qemuProcesses('bootlab-arm64-baseline'), [], 'no QEMU survives');
    const s = summaryOf(dir);
    t.equal(s.state, 'interrupted');
    t.same(s.jobs.map((j) => [j.profile, j.verdict]), [['default', 'pass'], ['cma-32m', 'pass'], ['silent', 'not-run']]);
    t.ok(existsSync(join(dir, booted(s.jobs[0]!).files.console)), 'a finished job keeps its console log');
    t.ok(existsSync(join(dir, 'report.html')), 'the report shows what finished');

    const resumed = await bootlab(['run', MATRIX, '--resume', dir, '--inactivity', '3']);
    t.equal(resumed.exitCode, 0, resumed.stderr);
    t.same(resumed.stdout.match(/boot {3}\S+ started/g), ['boot   arm64-baseline-silent started'], 'only the missing job is booted');
    const after = summaryOf(dir);
    t.equal(after.state, 'complete');
    t.same(after.jobs.map((j) => j.verdict), ['pass', 'pass', 'hang']);
  });
}

t.test('a build killed half-way is detected and rebuilt, never used', async (t) => {
  const seriesDir = join(out, 'series', 'half-built');
  mkdirSync(seriesDir, { recursive: true });
  const nonce = `${process.pid}-${Date.now()}`;
  writeFileSync(
    join(seriesDir, '0001.patch'),
    readFileSync(join(FIXTURES, 'series', 'cma-count-message', '0001-mm-cma-log-area-count.patch'), 'utf8').replace('activating %u CMA areas', `activating %u CMA areas (${nonce})`),
  );
  writeFileSync(join(seriesDir, 'series'), '0001.patch\n');
  const child = spawnBootlab(['build', '--arch', 'mips', '--series', seriesDir]);
  const making = await waitFor(async () => {
    return (await pgrep('^make .*half-built.*-j')).length > 0 ? true : undefined;
  }, 300_000);
  t.ok(making, 'the patched build is compiling');
  child.kill('SIGTERM');
  await child;
  const again = await bootlab(['build', '--arch', 'mips', '--series', seriesDir, '--json']);
  t.equal(again.exitCode, 0, again.stderr);
  const patched = (JSON.parse(again.stdout) as BuildOutcome[]).find((b) => b.variant === 'half-built')!;
  t.ok(patched.ok);
  t.not(patched.ok && patched.how, 'cached', 'the half-written build directory was not taken as done');
  rmSync(join(patched.dir, '..'), { recursive: true, force: true });
});

t.test('a disk that fills up while logs are written is a clear infrastructure error; what was written stays intact', async (t) => {
  const mnt = join(out, 'small-disk');
  mkdirSync(mnt);
  const mount = await execa('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { reject: false });
  t.equal(mount.exitCode, 0, `a small tmpfs stands in for a full disk (needs root): ${mount.stderr}`);
  t.teardown(() => execa('umount', ['-l', mnt], { reject: false }));
  // Leave room for the run's first files only.
  writeFileSync(join(mnt, 'filler'), Buffer.alloc(200 * 1024));
  const dir = join(mnt, 'run');
  const r = await bootlab(['run', MATRIX, '--inactivity', '3', '--out', dir]);
  t.equal(r.exitCode, 3, r.stdout);
  t.match(r.stderr, /Writing \S+ failed: .*no space left on device.*The disk is full; results written before are intact/i);
  const s = summaryOf(dir);
  t.equal(s.state, 'interrupted', 'the last summary written is whole and says the run did not finish');
  t.same(await qemuProcesses('bootlab-arm64-baseline'), [], 'no QEMU is left');
});
