/**
 * Real boots: baseline kernels on QEMU for all three arches, a kernel that panics, a
 * guest that goes silent, SIGINT in the middle of boots, and profiles that cannot boot.
 * bootlab boot --json prints the run's summary.json: the same result model as bootlab run.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BootedJob, RunSummary } from '../../harness/results/model.ts';
import { bootedJobs, bootlab, FIXTURES, qemuProcesses, spawnBootlab, summaryOf, waitFor } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-boot-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));

function results(stdout: string): BootedJob[] {
  return bootedJobs(JSON.parse(stdout) as RunSummary);
}

const MiB = 2 ** 20;
const areaMiB = (r: BootedJob, name: string): number | undefined => {
  const a = r.guest.areas.find((x) => x.name === name);
  return a ? (a.count * (r.guest.pageSize ?? 4096)) / MiB : undefined;
};

t.test('baseline kernels boot on arm64, arm and mips and report the CMA area the command line asked for', async (t) => {
  const dir = join(out, 'default');
  const r = await bootlab(['boot', '--arch', 'arm64,arm,mips', '--profile', 'default', '--json', '--out', dir]);
  t.equal(r.exitCode, 0, r.stderr);
  const boots = results(r.stdout);
  t.same(boots.map((b) => [b.arch, b.verdict]).sort(), [['arm', 'pass'], ['arm64', 'pass'], ['mips', 'pass']]);
  for (const b of boots) {
    t.equal(b.guest.complete, true, `${b.arch}: the guest report is complete`);
    t.match(b.guest.cmdline, /cma=8M/, `${b.arch}: the guest saw the profile's command line`);
    t.equal(areaMiB(b, 'reserved'), 8, `${b.arch}: cma=8M made an 8 MiB "reserved" area`);
    t.equal(b.guest.cmaTotalKiB, 8 * 1024, `${b.arch}: CmaTotal is 8 MiB`);
    t.ok(existsSync(join(dir, b.files.console)), `${b.arch}: the console log is kept`);
    t.equal(b.machine.board, b.arch === 'mips' ? 'malta' : 'virt', `${b.arch}: the job records its machine`);
  }
  const s = summaryOf(dir);
  t.same(s.jobs, JSON.parse(r.stdout).jobs, 'what --json prints is the run directory\'s summary.json');
  t.match(s.runId, /^\d{8}T\d{6}Z$/, 'the run id is its start time, wherever --out puts it');
  for (const b of boots) t.same(JSON.parse(readFileSync(join(dir, b.files.result), 'utf8')), b, `${b.arch}: result.json is the job's record`);
});

t.test('without --out a boot run is named like every run, results/<UTC time>, and results/latest points at it', async (t) => {
  const r = await bootlab(['boot', '--arch', 'arm64', '--profile', 'default']);
  t.equal(r.exitCode, 0, r.stderr);
  const dir = /^boot: 1 job -> (\S+)$/m.exec(r.stdout)?.[1];
  t.match(dir, /\/results\/\d{8}T\d{6}Z(-\d+)?$/);
  t.teardown(() => rmSync(dir!, { recursive: true, force: true }));
  t.equal(summaryOf(dir!).runId, basename(dir!));
  t.equal(realpathSync(join(dir!, '..', 'latest')), realpathSync(dir!));
  t.match(r.stdout, /arm64\/baseline\/default +pass/, 'each job is described at the end');
});

t.test('an arm64 NUMA profile with two nodes boots with both nodes online', async (t) => {
  const r = await bootlab(['boot', '--arch', 'arm64', '--profile', 'numa2', '--json', '--out', join(out, 'numa2')]);
  t.equal(r.exitCode, 0, r.stderr);
  const [b] = results(r.stdout);
  t.equal(b!.verdict, 'pass');
  t.same(b!.guest.nodes.map((n) => [n.id, ((n.endPfn - n.startPfn) * 4096) / MiB]), [[0, 1024], [1, 1024]]);
  t.equal(areaMiB(b!, 'reserved'), 64);
  t.same(b!.qemu.argv.filter((a) => a.startsWith('node,')), ['node,nodeid=0,memdev=mem0,cpus=0', 'node,nodeid=1,memdev=mem1,cpus=1']);
});

t.test('a kernel that panics gets a crash verdict from the panic itself, not from a timeout', async (t) => {
  const r = await bootlab(['boot', '--arch', 'arm64', '--series', join(FIXTURES, 'series', 'panic-initcall'), '--profile', 'default', '--json', '--out', join(out, 'panic')]);
  t.equal(r.exitCode, 1, r.stderr);
  const panicked = results(r.stdout).find((b) => b.id.includes('panic-initcall'))!;
  t.equal(panicked.verdict, 'crash');
  t.match(panicked.reason, /Kernel panic - not syncing: bootlab test: deliberate panic from an initcall/);
  // Either the monitor stopped QEMU at the panic, or panic=-1 rebooted and -no-reboot ended
  // QEMU: never the inactivity window or the timeout.
  t.ok(panicked.stopReason === undefined || panicked.stopReason === 'panic', `stopped by ${panicked.stopReason ?? 'QEMU exiting'}`);
  t.equal(panicked.crashes[0]?.kind, 'panic');
  t.same(panicked.boots.map((b) => b.verdict), ['crash', 'crash'], 'an unexpected crash is confirmed by a second boot, as in every run');
  t.same(await qemuProcesses(`bootlab-${panicked.id}`), [], 'its QEMU is gone');
});

t.test('a guest that goes silent is a hang after the inactivity window, and its QEMU is gone', async (t) => {
  const r = await bootlab(['boot', '--arch', 'arm64', '--profile', 'silent', '--inactivity', '3', '--json', '--out', join(out, 'silent')]);
  t.equal(r.exitCode, 1, r.stderr);
  const [b] = results(r.stdout);
  t.equal(b!.verdict, 'hang');
  t.equal(b!.stopReason, 'inactivity');
  t.match(b!.reason, /no console output for 3s/);
  t.same(await qemuProcesses(`bootlab-${b!.id}`), []);
});

t.test('SIGINT during boots leaves no QEMU behind', async (t) => {
  const child = spawnBootlab(['boot', '--arch', 'arm64', '--profile', 'silent', '--inactivity', '120', '--out', join(out, 'sigint')]);
  const running = await waitFor(async () => ((await qemuProcesses('bootlab-arm64-baseline-silent')).length > 0 ? true : undefined), 120_000);
  t.ok(running, 'QEMU was started');
  child.kill('SIGINT');
  const r = await child;
  t.equal(r.exitCode, 130);
  t.same(await qemuProcesses('bootlab-arm64-baseline-silent'), [], 'no QEMU survives bootlab');
});

t.test('profiles that cannot boot fail before QEMU starts, with the reason and exit 2', async (t) => {
  const file = join(out, 'bad-profiles.json');
  writeFileSync(
    file,
    JSON.stringify({
      'cpu-mismatch': { smp: 2, numa: { nodes: [{ memoryMiB: 512, cpus: [0] }, { memoryMiB: 512, cpus: [0] }] } },
      'memory-mismatch': { memoryMiB: 2048, numa: { nodes: [{ memoryMiB: 512, cpus: [0] }, { memoryMiB: 512, cpus: [1] }] } },
      'numa-anywhere': { numa: { nodes: [{ memoryMiB: 128, cpus: [0] }] } },
    }),
  );
  const cases: [string[], RegExp][] = [
    [['--arch', 'arm64', '--profile', 'cpu-mismatch'], /Profile "cpu-mismatch" cannot boot on arm64 \(virt\): CPU 0 is in NUMA node 0 and node 1/],
    [['--arch', 'arm64', '--profile', 'memory-mismatch'], /memoryMiB is 2048 but the NUMA nodes add up to 1024 MiB/],
    [['--arch', 'mips', '--profile', 'numa-anywhere'], /Profile "numa-anywhere" cannot boot on mips \(malta\): malta kernels have no NUMA/],
    [['--arch', 'x86', '--profile', 'numa-anywhere'], /unknown architecture "x86"\. bootlab knows arm64, arm, mips/],
  ];
  for (const [args, message] of cases) {
    const dir = join(out, `bad-${args[3]}-${args[1]}`);
    const r = await bootlab(['boot', '--profiles', file, '--out', dir, ...args]);
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(r.stderr, message);
    t.notOk(existsSync(dir) && readdirSync(dir).length > 0, 'nothing was booted');
  }
});
