/**
 * The mission's three commands on real kernels: the arm64 repro, pre-merge validation of
 * the CMA series (and of a series that changes nothing), and sharded runs merged back.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStringPromise } from 'xml2js';
import type { RunSummary } from '../../harness/results/model.ts';
import { booted, bootlab, FIXTURES, jobOf, qemuProcesses, summaryOf } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-matrix-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));
const job = (s: RunSummary, id: string) => booted(jobOf(s, id));

t.test('the arm64 repro crashes in cma_init_reserved_mem with its mm/cma.c line, and the scenario passes', async (t) => {
  const dir = join(out, 'repro');
  const r = await bootlab(['repro', 'repro-arm64-numa-panic', '--out', dir]);
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.match(r.stdout, /scenario PASSED/);
  const s = summaryOf(dir);
  t.equal(job(s, 'arm64-arm64-early-cma-reserve-numa2').verdict, 'pass', 'the early-reserve order alone boots');
  const crashed = job(s, 'arm64-arm64-early-cma-reserve_cma-dynamic-areas-numa2');
  t.equal(crashed.verdict, 'crash');
  t.equal(crashed.crashes[0]?.title, 'BUG: unable to handle kernel paging request in cma_init_reserved_mem');
  t.equal(crashed.crashes[0]?.guiltyFunction, 'cma_init_reserved_mem');
  t.match(readFileSync(join(dir, crashed.files.crash!), 'utf8'), /cma_init_reserved_mem.*mm\/cma\.c:\d+/);
});

t.test('pre-merge validation of cma-dynamic-areas exits 1 and names each regression; over-limit profiles prove both sides', async (t) => {
  const dir = join(out, 'premerge');
  const r = await bootlab(['validate', '--series', 'cma-dynamic-areas', '--inactivity', '10', '--out', dir]);
  t.equal(r.exitCode, 1, r.stderr);
  for (const p of ['default', 'cma-32m', 'cma-64m']) t.match(r.stdout, new RegExp(`REGRESSION arm ${p}: verdict hang`), `arm ${p} is named`);
  const s = summaryOf(dir);
  t.equal(s.jobs.length, 24, 'every pre-merge job ran');
  for (const j of s.jobs) t.ok(booted(j).cma, `${j.id} booted and has a CMA check`);

  const arm64Base = job(s, 'arm64-baseline-numa8-pernuma-overlimit');
  t.ok(arm64Base.cma.kernel.slotErrors > 0, 'arm64 baseline: Not enough slots');
  t.equal(arm64Base.cma.rows.filter((row) => row.status === 'ok').length, 8, 'arm64 baseline: only 8 of 9 areas');
  const arm64Patched = job(s, 'arm64-cma-dynamic-areas-numa8-pernuma-overlimit');
  t.equal(arm64Patched.verdict, 'pass');
  t.equal(arm64Patched.cma.ok, true, 'arm64 patched: all nine areas, on their nodes');
  t.equal(s.comparisons.find((c) => c.arch === 'arm64' && c.profile === 'numa8-pernuma-overlimit')!.class, 'fixed');

  const armBase = job(s, 'arm-baseline-dt-pools-overlimit');
  t.equal(armBase.cma.kernel.slotErrors, 3, 'arm baseline: three areas found no slot');
  const armPatched = job(s, 'arm-cma-dynamic-areas-dt-pools-overlimit');
  t.equal(armPatched.verdict, 'hang', 'arm patched does not boot, and the result says how');
  t.same(await qemuProcesses(), [], 'no QEMU is left');

  const junit = await parseStringPromise(readFileSync(join(dir, 'junit.xml'), 'utf8'));
  t.ok(junit.testsuites.testsuite.length >= 6, 'one testsuite per arch/variant');
  t.ok(existsSync(join(dir, 'report.html')) && existsSync(join(dir, 'report.md')));
});

t.test('validating a series that changes nothing exits 0', async (t) => {
  const r = await bootlab(['validate', '--series', join(FIXTURES, 'series', 'cma-count-message'), '--inactivity', '10', '--out', join(out, 'noop')]);
  t.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  t.notMatch(r.stdout, /REGRESSION/);
});

t.test('two shards merged equal one unsharded run', async (t) => {
  const args = ['run', 'nightly', '--only', '*-baseline-*', '--arch', 'arm,mips'];
  const whole = await bootlab([...args, '--out', join(out, 'whole')]);
  const a = await bootlab([...args, '--shard', '1/2', '--out', join(out, 'shard1')]);
  const b = await bootlab([...args, '--shard', '2/2', '--out', join(out, 'shard2')]);
  t.not(whole.exitCode, 2, whole.stderr);
  t.not(a.exitCode, 2, a.stderr);
  t.not(b.exitCode, 2, b.stderr);
  const m = await bootlab(['merge', join(out, 'shard1'), join(out, 'shard2'), '--out', join(out, 'merged')]);
  t.equal(m.exitCode, whole.exitCode, m.stderr);
  const pick = (s: RunSummary) => s.jobs.map((j) => [j.id, j.verdict, j.asExpected]).sort();
  t.ok(summaryOf(join(out, 'shard1')).jobs.length > 0 && summaryOf(join(out, 'shard2')).jobs.length > 0, 'both shards ran jobs');
  t.same(pick(summaryOf(join(out, 'merged'))), pick(summaryOf(join(out, 'whole'))));
  t.ok(existsSync(join(out, 'merged', 'report.html')));
});
