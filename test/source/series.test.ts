import t from 'tap';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSeries, parseSeriesFile, touchedFiles } from '../../harness/source/series.ts';
import { failedHunks } from '../../harness/source/patch.ts';
import { FIXTURES as FIXTURE_ROOT } from '../helpers.ts';

const FIXTURES = join(FIXTURE_ROOT, 'series');

t.test('a quilt series lists patches in order with optional -pN; comments and blanks are skipped', async (t) => {
  t.same(parseSeriesFile('# head\n0001-a.patch\n\n0002-b.patch -p0 # why\n', 's'), [
    { file: '0001-a.patch', strip: 1, line: 2 },
    { file: '0002-b.patch', strip: 0, line: 4 },
  ]);
});

t.test('an unknown option on a series line is a user error with file and line', async (t) => {
  t.throws(() => parseSeriesFile('0001-a.patch -R\n', 'patches/x/series'), { name: 'UserError', message: /patches\/x\/series:1: unknown option "-R"/ });
});

t.test('the files a patch touches come from its headers, stripped and without /dev/null', async (t) => {
  const diff = '--- a/mm/cma.c\n+++ b/mm/cma.c\n@@ -1 +1 @@\n--- /dev/null\n+++ b/mm/new.c\n';
  t.same(touchedFiles(diff, 1), ['mm/cma.c', 'mm/new.c']);
});

t.test('a series loads with per-patch hashes and a series hash that follows the content', async (t) => {
  const s = loadSeries(join(FIXTURES, 'cma-count-message'));
  t.equal(s.name, 'cma-count-message');
  t.same(s.patches.map((p) => [p.file, p.touches]), [['0001-mm-cma-log-area-count.patch', ['mm/cma.c']]]);
  t.match(s.hash, /^[0-9a-f]{64}$/);

  const dir = mkdtempSync(join(tmpdir(), 'bootlab-series-'));
  mkdirSync(join(dir, 'x'));
  writeFileSync(join(dir, 'x', 'series'), 'p.patch\n');
  writeFileSync(join(dir, 'x', 'p.patch'), '--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n');
  const first = loadSeries('x', dir).hash;
  writeFileSync(join(dir, 'x', 'p.patch'), '--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+c\n');
  t.not(loadSeries('x', dir).hash, first, 'changing a patch changes the series hash');
});

t.test('a missing series file is a user error that names the path and the known series', async (t) => {
  t.throws(() => loadSeries('no-such-series', FIXTURES), {
    name: 'UserError',
    message: /Patch series "no-such-series" not found: .*no-such-series\/series does not exist.*Known series: (.*, )?cma-count-message, does-not-apply, missing-patch/,
  });
});

t.test('a series that lists a missing patch is a user error naming the series line', async (t) => {
  t.throws(() => loadSeries(join(FIXTURES, 'missing-patch')), { name: 'UserError', message: /missing-patch\/series:2: patch "0001-not-here.patch" is listed but/ });
});

t.test('patch(1) output is turned into the file and hunks that failed', async (t) => {
  const out = 'checking file mm/cma.c\nHunk #1 FAILED at 145.\nHunk #3 FAILED at 200.\n2 out of 3 hunks FAILED\nchecking file mm/cma.h\n';
  t.same(failedHunks(out), [{ file: 'mm/cma.c', hunks: ['hunk #1 (at line 145)', 'hunk #3 (at line 200)'] }]);
  t.same(failedHunks('patching file mm/cma.c\n'), []);
});
