/**
 * From a failed job to a debugger, on the real arm64 repro: reproduce.sh with QEMU alone,
 * bootlab rerun's tallies, gdb stopped at the guilty function, memory dumps gdb reads kernel
 * variables from, and nothing left running, Ctrl-C included.
 */
import t from 'tap';
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootedJob } from '../../harness/results/model.ts';
import { booted, bootlab, jobOf, pgrep, qemuProcesses, spawnBootlab, summaryOf, waitFor } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-reproduce-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));

const TITLE = 'BUG: unable to handle kernel paging request in cma_init_reserved_mem';
const CRASH = 'arm64-arm64-early-cma-reserve_cma-dynamic-areas-numa2';
const PASS = 'arm64-arm64-early-cma-reserve-numa2';
const repro = join(out, 'repro');
const jobDir = (run: string, id: string): string => join(run, 'jobs', id);
const onlyJob = (run: string): BootedJob => booted(summaryOf(run).jobs[0]!);

/** gdb-multiarch on a core with the job's vmlinux: one command, its output. */
async function gdbOnCore(j: BootedJob, run: string, command: string): Promise<string> {
  const r = await execa('gdb-multiarch', ['-batch', '-nx', '-q', j.kernel.vmlinux!, '-ex', `core-file ${join(run, j.files.core!)}`, '-ex', command], { reject: false, timeout: 120_000 });
  return `${r.stdout}\n${r.stderr}`;
}

t.before(async () => {
  const r = await bootlab(['repro', 'repro-arm64-numa-panic', '--out', repro]);
  if (r.exitCode !== 0) throw new Error(`the repro did not pass: ${r.stdout}\n${r.stderr}`);
});

t.test('reproduce.sh alone, with QEMU and coreutils only on PATH, reproduces the oops bootlab report names', async (t) => {
  const script = join(jobDir(repro, CRASH), 'reproduce.sh');
  const record = booted(jobOf(summaryOf(repro), CRASH));
  const header = readFileSync(script, 'utf8');
  t.match(header, /^# bootlab +\S+ \(commit [0-9a-f]{40}\)$/m, 'the header names bootlab and its commit');
  t.match(header, /^# kernel +Linux 6\.1\.\d+ from .* \(source [0-9a-f]{12}\)$/m);
  t.match(header, /0001-arm64-mm-reserve-CMA-in-arm64_memblock_init-again\.patch sha256 [0-9a-f]{64}/, 'the series with patch hashes');
  t.match(header, /^# config +\S+\/\.config$/m);
  t.match(header, /^# {3}qemu-system-aarch64: QEMU emulator version/m);
  t.match(header, /^# rebuild +bootlab build --arch arm64 --series arm64-early-cma-reserve\+cma-dynamic-areas$/m);

  // No node, no bootlab: a PATH of the few programs the script and QEMU need.
  const bin = join(out, 'bin');
  mkdirSync(bin);
  for (const p of ['sh', 'sha256sum', 'cut', 'dirname', 'rm', 'qemu-system-aarch64']) symlinkSync((await execa('sh', ['-c', `command -v ${p}`])).stdout, join(bin, p));
  const env = { PATH: bin };
  // The panic comes before panic= is parsed: the guest stops there, and a person quits QEMU
  // (Ctrl-A x) once the panic's end line is on the console. So does this test.
  const qemu = execa(join(bin, 'sh'), [script], { env, extendEnv: false, reject: false, timeout: 120_000, stdin: 'ignore' });
  let console = '';
  qemu.stdout?.on('data', (b: Buffer) => {
    console += b.toString();
    if (console.includes('---[ end Kernel panic')) qemu.kill('SIGTERM');
  });
  const r = await qemu;
  t.notOk(r.timedOut, `the console reached the panic's end line: ${r.stderr}`);
  const log = join(out, 'reproduce-console.log');
  writeFileSync(log, console);
  const report = await bootlab(['report', '--json', log]);
  const [first] = (JSON.parse(report.stdout.split('\n')[0]!) as { reports: { title: string; guiltyFunction?: string }[] }).reports;
  t.equal(first?.title, TITLE, 'bootlab report gives the same title');
  t.equal(first?.guiltyFunction, record.crashes[0]?.guiltyFunction, 'and the same guilty frame');
  t.same(await qemuProcesses(`bootlab-${CRASH}`), [], 'QEMU is gone');

  // The same script against a kernel that is no longer the one booted.
  const image = join(out, 'Image');
  copyFileSync(record.kernel.path, image);
  writeFileSync(image, Buffer.from([0]), { flag: 'a' });
  const moved = join(out, 'reproduce-changed.sh');
  writeFileSync(moved, header.replaceAll(record.kernel.path, image));
  const changed = await execa(join(bin, 'sh'), [moved], { env, extendEnv: false, reject: false, timeout: 60_000, stdin: 'ignore' });
  t.equal(changed.exitCode, 2);
  t.match(changed.stderr, new RegExp(`reproduce\\.sh: ${image.replace(/[.]/g, '\\.')} is not the file bootlab booted \\(its sha256 is [0-9a-f]{64}, it was ${record.kernel.sha256}\\)\\. Build it again: bootlab build`));
  t.equal(changed.stdout, '', 'QEMU did not start');
});

t.test('rerun --repeat 5 tallies 5/5 for the crash title, and pass 5/5 for the passing job', async (t) => {
  const crash = join(out, 'rerun-crash');
  const r = await bootlab(['rerun', jobDir(repro, CRASH), '--repeat', '5', '--parallel', '3', '--out', crash]);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, `${CRASH}: crash "${TITLE}" 5/5`);
  const j = onlyJob(crash);
  t.same(j.tally, [{ signature: `crash "${TITLE}"`, count: 5, asExpected: true }], 'the tally is in the record');
  t.equal(j.boots.length, 5);
  for (let k = 1; k <= 5; k++) t.ok(existsSync(join(jobDir(crash, CRASH), `boot-${k}`, 'console.log')), `boot ${k} keeps its console`);

  const pass = join(out, 'rerun-pass');
  const p = await bootlab(['rerun', repro, '--job', PASS, '--repeat', '5', '--out', pass]);
  t.equal(p.exitCode, 0, p.stderr);
  t.match(p.stdout, `${PASS}: pass 5/5`);
  t.same(onlyJob(pass).tally, [{ signature: 'pass', count: 5, asExpected: true }]);
});

t.test('rerun --gdb --break cma_init_reserved_mem stops there; the backtrace in gdb.log goes through dma_contiguous_reserve and arm64_memblock_init', async (t) => {
  const run = join(out, 'gdb-break');
  const r = await bootlab(['rerun', jobDir(repro, CRASH), '--gdb', '--break', 'cma_init_reserved_mem', '--out', run]);
  t.equal(r.exitCode, 0, r.stderr);
  const j = onlyJob(run);
  t.equal(j.crashes[0]?.title, TITLE, 'once gdb detached the boot went on, to the same oops');
  t.match(j.kernel.path, /Image$/);
  t.match(j.qemu.argv.join(' '), /nokaslr/, 'address randomization is off under gdb');
  const log = readFileSync(join(run, j.files.gdb!), 'utf8');
  t.match(log, /Breakpoint 1, cma_init_reserved_mem \(/);
  t.match(log, /#\d+ +0x[0-9a-f]+ in dma_contiguous_reserve \(/);
  t.match(log, /#\d+ +0x[0-9a-f]+ in arm64_memblock_init \(/);
  t.match(r.stdout, /gdb: \S+\/gdb\.log/, 'the output says where gdb.log is');
});

t.test('--dump on the arm64 crash and on the arm hang writes cores gdb-multiarch reads the guest\'s kernel variables from', async (t) => {
  const arm64 = join(out, 'dump-arm64');
  const r = await bootlab(['rerun', jobDir(repro, CRASH), '--dump', '--out', arm64]);
  t.equal(r.exitCode, 0, r.stderr);
  const a = onlyJob(arm64);
  t.ok(a.files.core && a.dump?.bannerAt, `the core is written and the kernel image mapped in it: ${JSON.stringify(a.dump)}`);
  // boot_command_line is zeros in vmlinux: only the guest's memory has the command line.
  t.match(await gdbOnCore(a, arm64, 'x/s boot_command_line'), /<boot_command_line>:\s+"console=ttyAMA0 .*cma=64M"/);

  const arm = join(out, 'dump-arm');
  const h = await bootlab(['boot', '--arch', 'arm', '--series', 'cma-dynamic-areas', '--profile', 'default', '--dump', '--json', '--out', arm]);
  t.equal(h.exitCode, 1, 'the patched arm kernel hangs: a regression');
  const hang = booted(jobOf(summaryOf(arm), 'arm-cma-dynamic-areas-default'));
  t.equal(hang.verdict, 'hang');
  t.ok(hang.files.core && hang.dump?.bannerAt, `the hang is dumped: ${JSON.stringify(hang.dump)}`);
  // The arm build has no debug info: gdb needs the address of the symbol.
  t.match(await gdbOnCore(hang, arm, 'x/s &boot_command_line'), /<boot_command_line>:\s+"console=ttyAMA0 .*cma=8M"/);
  t.notOk(booted(jobOf(summaryOf(arm), 'arm-baseline-default')).files.core, 'a boot that passes is not dumped');
});

t.test('a job that cannot be booted again is a user error, named, before anything boots', async (t) => {
  const notJob = await bootlab(['rerun', repro]);
  t.equal(notJob.exitCode, 2);
  t.match(notJob.stderr, /is not a job directory \(it has no result\.json\)/);
  const noSuch = await bootlab(['rerun', repro, '--job', 'arm64-nope']);
  t.equal(noSuch.exitCode, 2);
  t.match(noSuch.stderr, `has no job "arm64-nope". Its jobs: ${PASS}, ${CRASH}`);
  const waitAll = await bootlab(['rerun', jobDir(repro, CRASH), '--gdb', '--repeat', '2']);
  t.equal(waitAll.exitCode, 2);
  t.match(waitAll.stderr, /--gdb waits for you to attach gdb to one paused boot/);

  // The record of a job whose kernel has changed since it booted.
  const record = booted(jobOf(summaryOf(repro), CRASH));
  const image = join(out, 'Image-changed');
  copyFileSync(record.kernel.path, image);
  writeFileSync(image, Buffer.from([0]), { flag: 'a' });
  const moved = join(out, 'moved-job');
  mkdirSync(moved);
  writeFileSync(join(moved, 'result.json'), JSON.stringify({ ...record, kernel: { ...record.kernel, path: image } }));
  const changed = await bootlab(['rerun', moved]);
  t.equal(changed.exitCode, 2);
  t.match(changed.stderr, `The kernel ${image} is not the file ${CRASH} booted (sha256 `);
  t.match(changed.stderr, 'Build it again: bootlab build --arch arm64 --series arm64-early-cma-reserve+cma-dynamic-areas');
  t.same(await qemuProcesses(`bootlab-${CRASH}`), [], 'nothing booted');
});

t.test('Ctrl-C while a boot waits for gdb, or while gdb runs unattended, leaves no QEMU, gdb or socket', async (t) => {
  const waiting = join(out, 'gdb-wait');
  const child = spawnBootlab(['rerun', jobDir(repro, CRASH), '--gdb', '--out', waiting]);
  let stdout = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  t.ok(await waitFor(async () => (/waits, paused, for gdb; attach with:\n {2}cd \S+ && gdb-multiarch -q \S+vmlinux -ex 'target remote gdb\.sock'/.test(stdout) ? true : undefined), 60_000), 'bootlab prints the gdb command');
  const dir = jobDir(waiting, CRASH);
  t.ok(await waitFor(async () => (existsSync(join(dir, 'gdb.sock')) ? true : undefined), 10_000), 'QEMU listens on gdb.sock in the job directory');
  // A person attaches, stops at the guilty function and looks around.
  const person = await execa('gdb-multiarch', ['-batch', '-nx', '-q', onlyJobKernel(), '-ex', 'target remote gdb.sock', '-ex', 'break cma_init_reserved_mem', '-ex', 'continue', '-ex', 'bt'], { cwd: dir, reject: false, timeout: 60_000 });
  t.match(person.stdout, /in dma_contiguous_reserve/, 'the printed command attaches');
  child.kill('SIGINT');
  t.equal((await child).exitCode, 130);
  t.same(await qemuProcesses(`bootlab-${CRASH}`), [], 'no QEMU');
  t.notOk(existsSync(join(dir, 'gdb.sock')), 'the gdb socket is removed');

  const script = join(out, 'stall.gdb');
  writeFileSync(script, 'shell sleep 987\n');
  const batch = spawnBootlab(['rerun', jobDir(repro, CRASH), '--gdb-batch', script, '--out', join(out, 'gdb-stall')]);
  t.ok(await waitFor(async () => ((await pgrep('^sleep 987')).length > 0 ? true : undefined), 60_000), 'gdb runs the command file');
  batch.kill('SIGINT');
  t.equal((await batch).exitCode, 130);
  t.same(await pgrep('^gdb-multiarch .*target remote gdb\\.sock'), [], 'no gdb');
  t.same(await pgrep('^sleep 987'), [], 'nor what gdb started');
  t.same(await qemuProcesses(`bootlab-${CRASH}`), [], 'no QEMU');
});

function onlyJobKernel(): string {
  return booted(jobOf(summaryOf(repro), CRASH)).kernel.vmlinux!;
}
