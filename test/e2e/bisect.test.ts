/**
 * bootlab bisect --series on real builds and boots: the CMA dynamic-areas change, third of
 * four patches, is named on arm (where it hangs in the abort vector) in ceil(log2 4)+2 boots,
 * and on arm64 stacked on arm64-early-cma-reserve (where it crashes);
 * Ctrl-C in the middle leaves no QEMU or make, and --resume gives the same answer without
 * redoing a step.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BisectState } from '../../harness/bisect/series.ts';
import { bootlab, FIXTURES, pgrep, qemuProcesses, spawnBootlab, waitFor } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-bisect-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));

const SERIES = join(FIXTURES, 'series', 'bisect-cma');
const CMA = '0003-cma-make-number-of-CMA-areas-dynamic-remove-CONFIG_CMA_AREAS.patch';
const args = (dir: string): string[] => ['bisect', '--series', SERIES, '--arch', 'arm', '--profile', 'default', '--out', dir];
const stateOf = (dir: string): BisectState => JSON.parse(readFileSync(join(dir, 'bisect.json'), 'utf8')) as BisectState;

t.test('names the CMA patch of four on arm, in at most four boots', async (t) => {
  const dir = join(out, 'whole');
  const r = await bootlab(args(dir));
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, `first bad patch: ${CMA} "cma: make number of CMA areas dynamic, remove CONFIG_CMA_AREAS"`);
  const state = stateOf(dir);
  t.ok(state.steps.length <= Math.ceil(Math.log2(4)) + 2, `${state.steps.length} steps`);
  t.same(state.result?.firstBad?.position, 3);
  t.match(state.badSignature, /^hang \(stuck vCPU/, 'bad means hanging like the whole series');
  t.same(
    [...state.steps].sort((a, b) => a.position - b.position).map((s) => [s.position, s.outcome]),
    [[0, 'good'], [2, 'good'], [3, 'bad'], [4, 'bad']],
  );
  t.ok(state.steps.filter((s) => s.position > 0).every((s) => s.build?.how === 'incremental' || s.build?.how === 'cached'), 'patched steps build incrementally from the baseline');
});

t.test('stacked on arm64-early-cma-reserve, names the same patch for the arm64 crash in cma_init_reserved_mem', async (t) => {
  const dir = join(out, 'arm64');
  const r = await bootlab(['bisect', '--series', `arm64-early-cma-reserve+${SERIES}`, '--arch', 'arm64', '--profile', 'numa2', '--out', dir]);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, `first bad patch: ${CMA}`);
  const state = stateOf(dir);
  t.equal(state.badSignature, 'crash "BUG: unable to handle kernel paging request in cma_init_reserved_mem"');
  t.ok(state.steps.length <= Math.ceil(Math.log2(5)) + 2, `${state.steps.length} steps for 5 patches`);
  t.equal(state.result?.firstBad?.position, 4, 'the base patch is position 1');
});

t.test('a step that fails differently is skipped and named, or blamed with --any-failure', async (t) => {
  const other = join(FIXTURES, 'series', 'bisect-other-failure');
  const skip = await bootlab(['bisect', '--series', other, '--arch', 'arm', '--profile', 'default', '--out', join(out, 'other')]);
  t.equal(skip.exitCode, 0, skip.stderr);
  t.match(skip.stdout, `first bad patch: ${CMA}`);
  t.match(skip.stdout, /skipped: 0001-init-panic-from-an-initcall\.patch: fails differently \(crash "kernel panic: bootlab bisect fixture: an unrelated failure"\)/);
  const any = await bootlab(['bisect', '--series', other, '--arch', 'arm', '--profile', 'default', '--any-failure', '--out', join(out, 'any')]);
  t.equal(any.exitCode, 0, any.stderr);
  t.match(any.stdout, 'first bad patch: 0001-init-panic-from-an-initcall.patch "init: panic from an initcall"');
});

t.test('Ctrl-C mid-bisection leaves nothing running; --resume finishes without redoing a step', async (t) => {
  const dir = join(out, 'interrupted');
  const child = spawnBootlab(args(dir));
  const two = await waitFor(async () => {
    try {
      return stateOf(dir).steps.length >= 1 ? true : undefined;
    } catch {
      return undefined;
    }
  }, 600_000);
  t.ok(two, "a step was recorded");
  child.kill('SIGINT');
  const r = await child;
  t.equal(r.exitCode, 130);
  t.same(await qemuProcesses('bootlab-arm-'), [], 'no QEMU survives');
  t.same(await pgrep('make .*bisect-cma'), [], 'no make of a bisection step survives');
  const before = stateOf(dir).steps;
  const stamps = before.map((s) => statSync(join(dir, s.runDir, 'summary.json')).mtimeMs);
  const resumed = await bootlab(['bisect', '--resume', dir]);
  t.equal(resumed.exitCode, 0, resumed.stderr);
  t.match(resumed.stdout, `first bad patch: ${CMA}`);
  const after = stateOf(dir).steps;
  t.same(new Set(after.map((s) => s.position)).size, after.length, 'no position booted twice');
  t.same(before.map((s) => statSync(join(dir, s.runDir, 'summary.json')).mtimeMs), stamps, 'the recorded steps were not run again');
});
