/**
 * Silent guests on real QEMU: the arm64 repro without earlycon prints nothing, yet its oops
 * is recovered from guest memory; the patched arm kernel hangs in the abort vector.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../harness/results/model.ts';
import { bootedJobs, bootlab, qemuProcesses } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-forensics-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));
const results = (stdout: string) => bootedJobs(JSON.parse(stdout) as RunSummary);

t.test('the arm64 repro without earlycon is a crash recovered from guest memory, same title and guilty frame', async (t) => {
  const dir = join(out, 'arm64');
  const r = await bootlab(['boot', '--arch', 'arm64', '--series', 'arm64-early-cma-reserve+cma-dynamic-areas', '--profile', 'numa2-noearlycon', '--inactivity', '60', '--json', '--out', dir]);
  t.equal(r.exitCode, 1, r.stderr);
  const silent = results(r.stdout).find((j) => j.variant !== 'baseline')!;
  t.equal(readFileSync(join(dir, silent.files.console), 'utf8'), '', 'the console stayed completely silent');
  t.equal(silent.verdict, 'crash');
  t.equal(silent.evidence, 'guest-memory');
  t.equal(silent.stopReason, 'silent-crash', 'decided by reading the printk ring a second into the silence, not by the 60 s window');
  t.match(silent.reason, /^recovered from guest memory: Unable to handle kernel paging request/);
  t.equal(silent.crashes[0]?.title, 'BUG: unable to handle kernel paging request in cma_init_reserved_mem');
  t.equal(silent.crashes[0]?.guiltyFunction, 'cma_init_reserved_mem');
  t.ok(silent.files.recovered && existsSync(join(dir, silent.files.recovered)), 'the recovered log is saved beside the console log');
  t.match(readFileSync(join(dir, silent.files.recovered!), 'utf8'), /^\[\d+\] pc : __memset\+0x[0-9a-f]+\/0x[0-9a-f]+$/m, 'clean lines with sequence numbers');
  t.same(await qemuProcesses(`bootlab-${silent.id}`), [], 'no QEMU is left');
});

t.test('the patched arm kernel hangs, is called stuck long before the inactivity window, and loops in the abort vector', async (t) => {
  const r = await bootlab(['boot', '--arch', 'arm', '--series', 'cma-dynamic-areas', '--profile', 'default', '--inactivity', '60', '--json', '--out', join(out, 'arm')]);
  t.equal(r.exitCode, 1, r.stderr);
  const hung = results(r.stdout).find((j) => j.variant === 'cma-dynamic-areas')!;
  t.equal(hung.verdict, 'hang');
  t.equal(hung.stopReason, 'stuck', 'decided by looking at the vCPUs, not by the 60 s window');
  t.match(hung.reason, /^no console output since \d+\.\ds \(\d+ lines\) and CPU 0 loops in the abort vector/);
  t.match(hung.forensics?.registers[0], { pc: 'ffff000c', mode: 'abt32' });
  t.match(hung.reason, /CPU 0 loops in the abort vector/);
  t.match(hung.forensics?.firstFault, { exception: 'Data Abort', address: /^0x[0-9a-f]+$/ }, 'the bounded exception trace names the first fault');
  t.match(hung.reason, /first fault: Data Abort at address 0x[0-9a-f]+/);
  t.same(await qemuProcesses(`bootlab-${hung.id}`), [], 'no QEMU is left');
});

t.test('a silent mips guest is examined too: its registers are read and its printk buffer recovered', async (t) => {
  const dir = join(out, 'mips');
  const r = await bootlab(['boot', '--arch', 'mips', '--profile', 'silent', '--inactivity', '4', '--json', '--out', dir]);
  t.equal(r.exitCode, 1, r.stderr);
  const [hung] = results(r.stdout);
  t.equal(hung!.verdict, 'hang');
  t.match(hung!.forensics?.registers[0], { pc: /^[0-9a-f]{8}$/, pcSymbol: /\+0x/ });
  t.ok((hung!.forensics?.recoveredLines ?? 0) > 10, 'the printk buffer was read back');
  t.match(readFileSync(join(dir, hung!.files.recovered!), 'utf8'), /Linux version 6\.1/);
  t.same(await qemuProcesses(`bootlab-${hung!.id}`), [], 'no QEMU is left');
});
