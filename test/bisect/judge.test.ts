import t from 'tap';
import { judgeStep, patchSubject, seriesPrefix } from '../../harness/bisect/series.ts';
import { loadSeries } from '../../harness/source/series.ts';
import type { CrashReport } from '../../harness/crash/types.ts';
import { isBooted, type BootedJob, type JobRecord } from '../../harness/results/model.ts';
import { fixtureSummary } from '../results/helpers.ts';
import { FIXTURES } from '../helpers.ts';
import { join } from 'node:path';

const crash = (title: string): CrashReport => ({ kind: 'bug', title, header: title, corrupted: false, frames: [], registers: {}, startLine: 1, endLine: 1, excerpt: [] });
function job(o: Partial<BootedJob>): JobRecord {
  const base = fixtureSummary().jobs.find((j): j is BootedJob => isBooted(j) && j.verdict === 'pass' && j.asExpected)!;
  return { ...base, crashes: [], tally: [], ...o };
}
const BAD = 'crash "BUG: unable to handle kernel paging request in cma_init_reserved_mem"';

t.test('a step is bad only when it fails like the whole series', async (t) => {
  const same = job({ verdict: 'crash', crashes: [crash('BUG: unable to handle kernel paging request in cma_init_reserved_mem')] });
  const other = job({ verdict: 'crash', crashes: [crash('kernel panic: bootlab test')] });
  t.equal(judgeStep(job({}), undefined, BAD, false).outcome, 'good');
  t.equal(judgeStep(same, undefined, BAD, false).outcome, 'bad');
  t.same([judgeStep(other, undefined, BAD, false).outcome, judgeStep(other, undefined, BAD, false).why], ['skip', 'fails differently (crash "kernel panic: bootlab test"): not the series\' failure']);
  t.equal(judgeStep(other, undefined, BAD, true).outcome, 'bad', '--any-failure blames it');
  t.equal(judgeStep(other, 'bad', undefined, false).outcome, 'bad', 'at the bad end any failure defines bad');
  t.equal(judgeStep({ ...job({}), verdict: 'build-failed', reason: 'mm/cma.c:12: error' } as JobRecord, undefined, BAD, true).outcome, 'skip', 'a build failure is never blamed');
  t.equal(judgeStep(job({ verdict: 'infra-error' }), undefined, BAD, true).outcome, 'skip', 'the machine failing proves nothing');
});

t.test('with --repeat, good needs every boot to pass and bad one boot failing like the series', async (t) => {
  const mixed = job({ verdict: 'pass', tally: [{ signature: 'pass', count: 2, asExpected: true }, { signature: BAD, count: 1, asExpected: false }] });
  const step = judgeStep(mixed, undefined, BAD, false);
  t.same([step.outcome, step.counts], ['bad', `pass 2, ${BAD} 1`]);
});

t.test('patches are named by their Subject, prefixes are series of their own', async (t) => {
  const s = loadSeries(join(FIXTURES, 'series', 'bisect-cma'));
  t.equal(patchSubject(s.patches[2]!.path, s.patches[2]!.file), 'cma: make number of CMA areas dynamic, remove CONFIG_CMA_AREAS');
  const p = seriesPrefix(s, 2);
  t.same([p.name, p.patches.length], ['bisect-cma.first2', 2]);
  t.not(p.hash, seriesPrefix(s, 3).hash);
});
