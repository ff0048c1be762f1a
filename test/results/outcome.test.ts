import t from 'tap';
import { isBooted, type BootedJob, type JobRecord } from '../../harness/results/model.ts';
import { bootOutcome, cmaOutcome, gridRows, variantsOf, verdictText } from '../../harness/results/outcome.ts';
import { fixtureSummary } from './helpers.ts';

const job = (id: string): JobRecord => {
  const j = fixtureSummary().jobs.find((x) => x.id === id);
  if (!j) throw new Error(`no job ${id}`);
  return j;
};
const bootedJob = (id: string): BootedJob => {
  const j = job(id);
  if (!isBooted(j)) throw new Error(`${id} did not boot`);
  return j;
};

t.test('an expected crash with the expected title passes; another title fails', async (t) => {
  const crash = bootedJob('arm64-cma-dynamic-areas-default');
  const title = crash.crashes[0]!.title;
  const expectedCrash: JobRecord = { ...crash, expected: { verdict: 'crash', title, cma: 'any', why: 'the series is known to break numa' }, asExpected: true, problems: [] };
  t.equal(bootOutcome(expectedCrash).status, 'pass');
  t.match(bootOutcome(expectedCrash).message, /as expected: the series is known to break numa$/);
  const otherTitle: JobRecord = { ...expectedCrash, expected: { ...expectedCrash.expected, title: 'WARNING in cma_activate_area' }, asExpected: false, problems: ['expected crash "WARNING in cma_activate_area", saw ...'] };
  t.equal(bootOutcome(otherTitle).status, 'fail');
});

t.test('a CMA mismatch fails the CMA half only', async (t) => {
  const j = job('arm-cma-dynamic-areas-default');
  t.equal(bootOutcome(j).status, 'pass');
  t.same(cmaOutcome(j), { status: 'fail', message: 'CMA check failed: reserved wrong-size; CmaTotal is 16 MiB, expected 32 MiB' });
  t.equal(verdictText(j), 'pass, CMA mismatch');
});

t.test('running out of CMA slots passes when the matrix expects it and fails when it does not', async (t) => {
  const base = bootedJob('arm64-baseline-default');
  const cma = { ...base.cma, ok: false, problems: ['"Not enough slots for CMA reserved regions!" ×1'], kernel: { ...base.cma.kernel, slotErrors: 1 } };
  const slot: JobRecord = { ...base, cma, expected: { verdict: 'pass', cma: 'slot-error' } };
  t.equal(cmaOutcome(slot).status, 'pass');
  t.equal(verdictText(slot), 'pass, CMA slot error');
  t.equal(cmaOutcome({ ...slot, expected: { verdict: 'pass', cma: 'ok' } }).status, 'fail');
  t.equal(cmaOutcome({ ...base, expected: { verdict: 'pass', cma: 'slot-error' } }).status, 'fail', 'no slot error printed');
  t.equal(cmaOutcome({ ...slot, expected: { verdict: 'pass', cma: 'any' } }).status, 'skip', "'any' is not judged");
});

t.test('a job that is not as expected for a reason outside the CMA check fails its boot half', async (t) => {
  const j: JobRecord = { ...job('arm64-baseline-numa2'), asExpected: false, problems: ['something judge() will say one day'] };
  t.equal(bootOutcome(j).status, 'fail');
});

t.test('the grid is arches in table order, profiles in matrix order, baseline first', async (t) => {
  const s = fixtureSummary();
  t.same(variantsOf({ ...s, builds: [...s.builds].reverse(), jobs: [...s.jobs].reverse() }), ['baseline', 'cma-dynamic-areas']);
  t.same(gridRows({ ...s, jobs: [...s.jobs].reverse() }).map((r) => `${r.arch}/${r.profile}`).slice(0, 2), ['arm64/silent', 'arm64/numa2'], 'profiles follow the jobs list');
  t.same(gridRows(s).map((r) => `${r.arch}/${r.profile}`), ['arm64/default', 'arm64/numa2', 'arm64/silent', 'arm/default', 'arm/silent', 'mips/default']);
});
