/**
 * The bug zoo on a real kernel: arm64's bug-zoo@debug (test/fixtures/series/bug-zoo built with
 * the debug config) boots once per zoo bug through the zoo matrix, and each report must have
 * syzkaller's title, the zoo function with the bug as guilty function and, since arm64 kernels carry
 * line tables, its frame in lib/bootlab-bug-zoo.c. Then the pre-merge view: a series that adds
 * a zoo bug is a regression against baseline@debug, named by its crash title. arm64 only, for
 * the suite's time budget; test/fixtures/crash/recorded-zoo-*.log hold the reports of every arch.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guiltyFrame, ownSourceLine } from '../../harness/crash/report.ts';
import { expectationFor, loadMatrix } from '../../harness/matrix.ts';
import { loadProfiles } from '../../harness/boot/profile.ts';
import { booted, bootlab, FIXTURES, jobOf, qemuProcesses, summaryOf } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'bootlab-zoo-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));

const SERIES = `${join(FIXTURES, 'series', 'bug-zoo')}@debug`;
const PROFILES = join(FIXTURES, 'profiles', 'bug-zoo.json');
const MATRIX = join(FIXTURES, 'matrices', 'bug-zoo.json');

/** The guilty function an expected title names: "possible deadlock in f" -> "f". */
const guiltyOf = (title: string): string => title.slice(title.lastIndexOf(' in ') + ' in '.length);

t.test('every zoo bug on arm64 gets its syzkaller title, its zoo function and its line in lib/bootlab-bug-zoo.c', async (t) => {
  const dir = join(out, 'zoo');
  const r = await bootlab(['validate', '--series', SERIES, '--matrix', MATRIX, '--profiles', PROFILES, '--arch', 'arm64', '--out', dir]);
  // No baseline in this matrix, so nothing to regress: the jobs' own expectations are the test.
  t.not(r.exitCode, 2, r.stderr);
  const s = summaryOf(dir);
  const matrix = loadMatrix(MATRIX, loadProfiles(PROFILES));
  const arm64 = matrix.jobs.filter((j) => j.arch === 'arm64');
  t.equal(s.jobs.length, arm64.length, 'one job per zoo bug');
  for (const spec of arm64) {
    const expected = expectationFor(spec, matrix.expect);
    const job = booted(jobOf(s, spec.id));
    t.test(spec.profile, async (t) => {
      t.equal(job.verdict, expected.verdict, job.reason);
      if (expected.title === undefined) {
        t.same(job.crashes, [], 'a bug arm64 has no detector for leaves no report');
        return;
      }
      const crash = job.crashes[0];
      const guilty = guiltyOf(expected.title);
      t.equal(crash?.title, expected.title, 'the first report is the zoo bug, titled as syzkaller would');
      t.equal(crash?.guiltyFunction, guilty, 'the zoo function with the bug is guilty');
      // The frame the title names, as vmlinux's line tables place it: in that function, in the zoo.
      const frame = crash && guiltyFrame(crash);
      const own = frame?.source && (frame.source.inlined.at(-1) ?? frame.source);
      t.same(own && { function: own.function, file: ownSourceLine(frame!)?.file }, { function: guilty, file: 'lib/bootlab-bug-zoo.c' }, 'the guilty frame resolves to the zoo function');
      t.equal(job.asExpected, true, job.problems.join('; '));
    });
  }
  t.same(await qemuProcesses(), [], 'no QEMU is left');
});

t.test('a series that adds a zoo bug is a regression against baseline@debug, named by its crash title', async (t) => {
  const dir = join(out, 'premerge');
  const r = await bootlab(['validate', '--series', SERIES, '--matrix', join(FIXTURES, 'matrices', 'bug-zoo-premerge.json'), '--profiles', PROFILES, '--out', dir]);
  t.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
  const title = 'KASAN: use-after-free Read in zoo_use_after_free';
  t.match(r.stdout, `REGRESSION arm64 zoo-kasan-uaf: new crash: "${title}"`);
  const s = summaryOf(dir);
  t.equal(booted(jobOf(s, 'arm64-baseline@debug-zoo-kasan-uaf')).verdict, 'pass', 'the debug baseline boots: bootlab.bug= means nothing to it');
  const c = s.comparisons.find((x) => x.profile === 'zoo-kasan-uaf');
  t.same([c?.baseline, c?.job, c?.class], ['arm64-baseline@debug-zoo-kasan-uaf', 'arm64-bug-zoo@debug-zoo-kasan-uaf', 'regression']);
  t.match(readFileSync(join(dir, 'report.md'), 'utf8'), title, 'the report says it too');
});
