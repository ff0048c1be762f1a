import t from 'tap';
import { code, md, toMarkdown } from '../../harness/results/markdown.ts';
import { fixtureSummary, golden, mutableSummary } from './helpers.ts';

t.test('the CI comment for the fixture run matches the reference', async (t) => {
  golden(t, 'report.md', toMarkdown(fixtureSummary()));
});

t.test('the headline counts jobs and regressions', async (t) => {
  const text = toMarkdown(fixtureSummary());
  t.match(text, /^## bootlab premerge-cma-dynamic-areas: 3 regressions\n\nRun `20250106-100000-premerge` on Linux 6\.1\.0 with cma-dynamic-areas \(2 patches\): 12 jobs, 8 as expected, 4 unexpected, 3 regressions\./);
  t.match(text, /\*\*The run was interrupted\*\*/);
});

t.test('the grid has one row per arch and profile and one column per variant, baseline first', async (t) => {
  const lines = toMarkdown(fixtureSummary()).split('\n');
  const head = lines.indexOf('| arch | profile | baseline | cma-dynamic-areas |');
  t.ok(head > 0);
  t.same(lines.slice(head + 2, head + 8), [
    '| arm64 | default | pass | crash: `BUG: unable to handle kernel paging request in cma_init_reserved_mem` **(unexpected)** |',
    '| arm64 | numa2 | pass | pass |',
    '| arm64 | silent | hang | hang |',
    '| arm | default | pass | pass, CMA mismatch **(unexpected)** |',
    '| arm | silent | hang | not-run **(unexpected)** |',
    '| mips | default | pass (2 boots) | build-failed **(unexpected)** |',
  ]);
});

t.test('regressions come first among the comparisons and crash titles are grouped', async (t) => {
  const text = toMarkdown(fixtureSummary());
  const rows = text.split('\n').filter((l) => /^\| (\*\*regression\*\*|fixed|flaky|still-failing) /.test(l));
  t.same(rows.map((r) => r.split(' | ').slice(0, 3)), [['| **regression**', 'arm64', 'default'], ['| **regression**', 'arm', 'default'], ['| **regression**', 'mips', 'default']]);
  t.match(text, /- `BUG: unable to handle kernel paging request in cma_init_reserved_mem` seen on 1 job: arm64-cma-dynamic-areas-default/);
});

t.test('the same title on several jobs is listed once with its count', async (t) => {
  const m = mutableSummary();
  const crashing = m.jobs.find((j: { verdict: string }) => j.verdict === 'crash');
  const other = m.jobs.find((j: { id: string }) => j.id === 'arm64-cma-dynamic-areas-numa2');
  Object.assign(other, { verdict: 'crash', crashes: crashing.crashes });
  t.match(toMarkdown(m), /seen on 2 jobs: arm64-cma-dynamic-areas-default, arm64-cma-dynamic-areas-numa2\n/);
});

t.test('console text cannot break the table, open a tag or a link', async (t) => {
  t.equal(md('a|b <img src=x> [x](y) *e* \\ foo_bar _x_'), 'a\\|b &lt;img src=x&gt; \\[x\\](y) \\*e\\* \\\\ foo_bar \\_x\\_');
  t.equal(code('BUG: `x` | y'), '``BUG: `x` \\| y``');
  const m = mutableSummary();
  m.jobs[1].crashes[0].title = 'WARNING in f | g\n<script>`';
  m.jobs[1].reason = 'x|y';
  const table = toMarkdown(m).split('\n').filter((l) => l.startsWith('| arm64 | default '));
  t.equal(table.length, 1, 'the row stays on one line');
  t.equal(table[0]?.split(/(?<!\\)\|/).length, 6, 'four cells: no pipe escaped the code span');
});
