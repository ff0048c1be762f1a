/**
 * One rule turns a run into bootlab's exit code, for every command that runs jobs or reads
 * a run back. Each case here is a row of the README's exit-code table.
 */
import t from 'tap';
import { exitCode, failures } from '../../harness/results/exit.ts';
import { tally } from '../../harness/results/evaluate.ts';
import { isBooted, type BootedJob, type JobRecord, type RunSummary } from '../../harness/results/model.ts';
import type { CrashReport } from '../../harness/crash/types.ts';
import { fixtureSummary } from './helpers.ts';

const fixture = fixtureSummary();
const clean = fixture.jobs.find((j): j is BootedJob => isBooted(j) && j.verdict === 'pass' && j.asExpected)!;

function job(variant: string, profile: string, o: Partial<BootedJob> = {}): JobRecord {
  return { ...clean, id: `arm64-${variant}-${profile}`, arch: 'arm64', variant, profile, ...o };
}
const crashReport = (title: string): CrashReport => ({ kind: 'bug', title, header: title, corrupted: false, frames: [], registers: {}, startLine: 1, endLine: 2, excerpt: [] });
const hang = { verdict: 'hang', reason: 'silent', asExpected: false, problems: ['verdict hang'] } as const;
const infra = { verdict: 'infra-error', reason: 'QEMU was killed by SIGKILL from outside bootlab', asExpected: false, problems: ['verdict infra-error'] } as const;
const notRun = (variant: string, profile: string): JobRecord => ({ id: `arm64-${variant}-${profile}`, arch: 'arm64', variant, profile, verdict: 'not-run', reason: 'interrupted', expected: clean.expected, asExpected: false, problems: ['not run'] });

function run(gate: RunSummary['gate'], jobs: JobRecord[]): RunSummary {
  return { ...fixture, gate, jobs, ...tally(jobs) };
}

t.test('every job as expected: 0', async (t) => {
  t.equal(exitCode(run('expectations', [job('baseline', 'a'), job('series', 'a')])), 0);
  t.equal(exitCode(run('regressions', [job('baseline', 'a'), job('series', 'a')])), 0);
});

t.test('run, repro, boot, merge: any job not as expected is 1, unless every such job is an infrastructure error (3)', async (t) => {
  t.equal(exitCode(run('expectations', [job('baseline', 'a', hang)])), 1, 'a hang');
  t.equal(exitCode(run('expectations', [job('baseline', 'a', infra)])), 3, 'only the machine failed');
  t.equal(exitCode(run('expectations', [job('baseline', 'a', infra), job('baseline', 'b', hang)])), 1, 'an infra-error beside a real failure is still a failure');
  t.equal(exitCode(run('expectations', [job('baseline', 'a'), notRun('baseline', 'b')])), 1, 'a job that never ran');
});

t.test('validate: only regressions and infrastructure errors count; failures the baseline has too do not', async (t) => {
  const stillFailing = run('regressions', [job('baseline', 'a', hang), job('series', 'a', hang)]);
  t.equal(stillFailing.comparisons[0]?.class, 'still-failing');
  t.equal(exitCode(stillFailing), 0, 'still-failing is not the series\' fault');
  t.same(failures(stillFailing), []);
  const fixed = run('regressions', [job('baseline', 'a', hang), job('series', 'a')]);
  t.equal(exitCode(fixed), 0, 'fixed');
  const regression = run('regressions', [job('baseline', 'a'), job('series', 'a', hang)]);
  t.equal(regression.comparisons[0]?.class, 'regression');
  t.equal(exitCode(regression), 1);
  t.same(failures(regression).map((j) => j.id), ['arm64-series-a'], 'the regressed job is what counts');
  t.equal(exitCode(run('regressions', [job('baseline', 'a'), job('series', 'a', infra)])), 3, 'an infrastructure error proves nothing either way: 3, not a pass');
  t.equal(exitCode(run('regressions', [job('baseline', 'a'), job('series', 'a', infra), job('baseline', 'b'), job('series', 'b', hang)])), 1, 'a regression beside an infrastructure error');
  const expectedCrash = { verdict: 'crash', expected: { verdict: 'crash', cma: 'any' }, asExpected: true, problems: [] } as const;
  const newTitle = run('regressions', [job('baseline', 'a', { ...expectedCrash, crashes: [crashReport('BUG: A in f')] }), job('series', 'a', { ...expectedCrash, crashes: [crashReport('BUG: A in f'), crashReport('WARNING: B in g')] })]);
  t.equal(newTitle.comparisons[0]?.class, 'regression', 'a crash title the baseline does not have');
  t.equal(exitCode(newTitle), 1, 'counts, even though both jobs crashed as expected');
});
