import t from 'tap';
import { compare, judge } from '../../harness/results/evaluate.ts';
import type { CrashReport } from '../../harness/crash/parse.ts';
import { isBooted, type BootedJob, type JobRecord } from '../../harness/results/model.ts';
import { fixtureSummary } from './helpers.ts';

const crash = (title: string): CrashReport => ({ kind: 'paging-request', title, header: title, corrupted: false, frames: [], registers: {}, startLine: 1, endLine: 2, excerpt: [] });
const slotCheck = { ok: false, rows: [], problems: ['slots'], kernel: { reserved: [], slotErrors: 1, notActivated: [], failedToReserve: [] }, expectedTotalBytes: 0 };

/** A booted job of the fixture run, made the job of `variant` with the fields given. */
function job(variant: string, o: Partial<BootedJob> = {}): JobRecord {
  const base = fixtureSummary().jobs.find((j): j is BootedJob => isBooted(j) && j.verdict === 'pass' && j.asExpected)!;
  return { ...base, id: `arm64-${variant}-numa2`, arch: 'arm64', variant, profile: 'numa2', reason: '', expected: { verdict: 'pass', cma: 'ok' }, crashes: [], ...o };
}

t.test('judging names every way an outcome differs from its expectation', async (t) => {
  t.same(judge({ verdict: 'pass', cma: 'ok' }, { verdict: 'pass', reason: 'ok', crashes: [] }), []);
  t.same(judge({ verdict: 'pass', cma: 'ok' }, { verdict: 'hang', reason: 'silent 30s', crashes: [] }), ['verdict hang (silent 30s), expected pass']);
  t.same(judge({ verdict: 'crash', cma: 'any', title: 'BUG: X in f' }, { verdict: 'crash', reason: 'panic', crashes: [crash('BUG: X in g')] }), ['expected crash "BUG: X in f", saw "BUG: X in g"']);
  t.same(judge({ verdict: 'pass', cma: 'slot-error' }, { verdict: 'pass', reason: '', crashes: [], cma: slotCheck }), [], 'the slot error was expected');
  t.same(judge({ verdict: 'pass', cma: 'ok' }, { verdict: 'pass', reason: '', crashes: [], cma: slotCheck }), ['CMA check failed: slots']);
});

t.test('baseline vs patched: ok, regression, fixed, still-failing, a new crash title, flaky', async (t) => {
  const cls = (b: Partial<BootedJob>, p: Partial<BootedJob>): string => compare([job('baseline', b), job('series', p)])[0]!.class;
  t.equal(cls({}, {}), 'ok');
  t.equal(cls({}, { asExpected: false, problems: ['hang'] }), 'regression');
  t.equal(cls({ asExpected: false, problems: ['slot'] }, {}), 'fixed');
  t.equal(cls({ asExpected: false, problems: ['x'] }, { asExpected: false, problems: ['x'] }), 'still-failing');
  t.equal(cls({ verdict: 'crash', crashes: [crash('A')] }, { verdict: 'crash', crashes: [crash('B')] }), 'regression', 'a new title is a regression even when both crash as expected');
  t.equal(cls({}, { flaky: true, tally: [{ signature: 'crash', count: 1, asExpected: false }, { signature: 'pass', count: 1, asExpected: true }] }), 'flaky');
  t.equal(cls({}, { verdict: 'crash', crashes: [crash('A')], expected: { verdict: 'crash', cma: 'any', title: 'A' } }), 'ok', 'a crash the matrix expects of the variant is not a regression');
  t.same(compare([job('series', {})]), [], 'no baseline, no comparison');
  const pair = compare([job('baseline'), job('series', { asExpected: false, problems: ['hang'] })])[0]!;
  t.same([pair.baseline, pair.job], ['arm64-baseline-numa2', 'arm64-series-numa2'], 'a comparison names both jobs');
});

t.test('still-failing only when the series fails the way the baseline does; failing differently is a regression', async (t) => {
  // validate --series cma-dynamic-areas on arm dt-pools-overlimit: the baseline misses CMA
  // areas for lack of slots, the series hangs in the abort vector.
  const slots = { verdict: 'pass', cma: slotCheck, asExpected: false, problems: ['CMA check failed: slots'] } as const;
  const hang = { verdict: 'hang', stopReason: 'stuck', forensics: { registers: [], readings: [], recoveredLines: 0, errors: [], durationMs: 0, firstFault: { exception: 'Data Abort', lines: [] } }, asExpected: false, problems: ['verdict hang'] } as const;
  const [c] = compare([job('baseline', slots), job('series', hang)]);
  t.equal(c!.class, 'regression');
  t.equal(c!.reason, 'fails differently: baseline pass, cma (slot-error), series hang (stuck vCPU; Data Abort): verdict hang', 'both signatures in the reason');
  const same = compare([job('baseline', hang), job('series', hang)])[0]!;
  t.same([same.class, same.reason.startsWith('both hang (stuck vCPU; Data Abort)')], ['still-failing', true]);
  const otherTitle = compare([job('baseline', { verdict: 'crash', crashes: [crash('A')], asExpected: false, problems: ['crash'] }), job('series', { verdict: 'crash', crashes: [crash('A'), crash('B')], asExpected: false, problems: ['crash'] })])[0]!;
  t.equal(otherTitle.class, 'regression', 'a title the baseline did not print is new');
});

t.test('a variant built with the debug config is compared with the debug baseline, not the default one', async (t) => {
  const jobs = [job('baseline', { verdict: 'crash', crashes: [crash('A')] }), job('baseline@debug'), job('bug-zoo@debug', { verdict: 'crash', crashes: [crash('A')], asExpected: false, problems: ['crash'] })];
  const [c] = compare(jobs);
  t.same([c!.baseline, c!.job, c!.class], ['arm64-baseline@debug-numa2', 'arm64-bug-zoo@debug-numa2', 'regression'], 'the default baseline\'s crash does not excuse it');
  t.same(compare([job('baseline'), job('bug-zoo@debug')]), [], 'no debug baseline, no comparison');
  t.equal(compare([job('baseline@debug'), job('baseline')]).length, 0, 'two baselines are not compared');
});

t.test('an infrastructure failure, or a job that did not run, is not compared: it says nothing of the series', async (t) => {
  const infra = { verdict: 'infra-error', asExpected: false, problems: ['verdict infra-error'] } as const;
  t.same(compare([job('baseline'), job('series', infra)]), [], 'not a regression');
  t.same(compare([job('baseline', infra), job('series')]), [], 'not a fix');
  const notRun: JobRecord = { id: 'arm64-series-numa2', arch: 'arm64', variant: 'series', profile: 'numa2', verdict: 'not-run', reason: 'interrupted', expected: { verdict: 'pass', cma: 'ok' }, asExpected: false, problems: ['not run'] };
  t.same(compare([job('baseline'), notRun]), []);
});
