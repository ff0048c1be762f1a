import t from 'tap';
import { UserError } from '../../harness/util/errors.ts';
import { toHtml } from '../../harness/results/html.ts';
import { toJUnit } from '../../harness/results/junit.ts';
import { toKcidb } from '../../harness/results/kcidb.ts';
import { parseRunSummary } from '../../harness/results/load.ts';
import { toMarkdown } from '../../harness/results/markdown.ts';
import { crashesOf } from '../../harness/results/model.ts';
import { fixtureSummary, mutableSummary } from './helpers.ts';

t.test('the fixture summary loads as a RunSummary and every format renders it', async (t) => {
  const s = fixtureSummary();
  t.equal(s.jobs.length, 12);
  t.same(s.counts, { jobs: 12, asExpected: 8, unexpected: 4, regressions: 3 });
  t.match(toJUnit(s), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  t.match(toMarkdown(s), /^## bootlab premerge-cma-dynamic-areas: 3 regressions\n/);
  t.match(toHtml(s), /^<!DOCTYPE html>\n/);
  t.equal(toKcidb(s).tests.length, 24);
});

t.test('the fixture is internally consistent, as a real run would be', async (t) => {
  const s = fixtureSummary();
  t.equal(s.counts.jobs, s.jobs.length);
  t.equal(s.counts.asExpected, s.jobs.filter((j) => j.asExpected).length);
  t.equal(s.counts.unexpected, s.jobs.filter((j) => !j.asExpected).length);
  t.equal(s.counts.regressions, s.comparisons.filter((c) => c.class === 'regression').length);
  const ids = new Set(s.jobs.map((j) => j.id));
  t.equal(ids.size, s.jobs.length, 'job ids are unique');
  for (const c of s.comparisons) t.ok(ids.has(c.baseline), `comparison baseline ${c.baseline} is a job`);
  for (const j of s.jobs) t.equal(j.asExpected, j.problems.length === 0, `${j.id}: asExpected iff no problems`);
  for (const c of s.comparisons) t.ok(ids.has(c.job), `comparison job ${c.job} is a job`);
  const crash = s.jobs.find((j) => j.verdict === 'crash');
  t.equal(crash && crashesOf(crash)[0]?.title, 'BUG: unable to handle kernel paging request in cma_init_reserved_mem');
});

t.test('a summary with a wrong literal is rejected with the path to it', async (t) => {
  const s = mutableSummary();
  s.jobs[3].arch = 'arm46';
  t.throws(() => parseRunSummary(s, 'runs/x/summary.json'), new UserError('runs/x/summary.json is not a bootlab run summary (schema 2): at $.jobs[3].arch: expected one of "arm64", "arm", "mips", got "arm46".'));
});

t.test('a misspelt key is rejected, naming the keys the record has', async (t) => {
  const s = mutableSummary();
  s.jobs[0].asExpcted = true;
  t.throws(() => parseRunSummary(s, 'summary.json'), { name: 'UserError', message: /at \$\.jobs\[0\]\.asExpcted: unknown key \(known: id, arch, variant, profile, expected, asExpected/ });
});

t.test('a missing required field and a wrong schema version are rejected', async (t) => {
  const s = mutableSummary();
  delete s.builds[0].log;
  t.throws(() => parseRunSummary(s, 'summary.json'), { message: /at \$\.builds\[0\]\.log: missing/ });
  t.throws(() => parseRunSummary({ ...fixtureSummary(), schema: 1 }, 'summary.json'), { message: /summary\.json was written by a bootlab with summary schema 1; this one reads schema 2\. Run the matrix again/ });
  t.throws(() => parseRunSummary([], 'summary.json'), { message: /at \$: expected an object, got an array/ });
});

t.test('a job is checked as its state: a booted job needs its machine, a job that never ran has none', async (t) => {
  const s = mutableSummary();
  delete s.jobs[0].machine;
  t.throws(() => parseRunSummary(s, 'summary.json'), { message: /at \$\.jobs\[0\]\.machine: missing/ });
  const notRun = mutableSummary();
  const i = notRun.jobs.findIndex((j: { verdict: string }) => j.verdict === 'not-run');
  notRun.jobs[i].crashes = [];
  t.throws(() => parseRunSummary(notRun, 'summary.json'), { message: new RegExp(`at \\$\\.jobs\\[${i}\\]\\.crashes: unknown key`) });
});
