import t from 'tap';
import { isBooted } from '../../harness/results/model.ts';
import { esc, href, toHtml } from '../../harness/results/html.ts';
import { fixtureSummary, golden, mutableSummary } from './helpers.ts';

const count = (html: string, re: RegExp): number => [...html.matchAll(re)].length;

t.test('the report page for the fixture run matches the reference', async (t) => {
  golden(t, 'report.html', toHtml(fixtureSummary()));
});

t.test('the grid has one cell per job, each tagged with its verdict and job id', async (t) => {
  const s = fixtureSummary();
  const html = toHtml(s);
  t.equal(count(html, /<td class="cell /g), s.jobs.length);
  for (const j of s.jobs) t.equal(count(html, new RegExp(`<td class="cell v-${j.verdict}[^"]*" data-verdict="${j.verdict}" data-job="${j.id}"`, 'g')), 1, j.id);
  t.equal(count(html, /<td class="cell [^"]*\bunexpected\b/g), 4, 'four jobs not as expected are marked');
});

t.test('cells link to the console log, crash report and CMA table the job has, and to nothing else', async (t) => {
  const s = fixtureSummary();
  const html = toHtml(s);
  t.equal(count(html, /class="crash-link"/g), s.jobs.filter((j) => isBooted(j) && j.files.crash).length);
  t.match(html, /data-job="arm64-cma-dynamic-areas-default"[^>]*>.*<a class="crash-link" href="jobs\/arm64-cma-dynamic-areas-default\/crash\.txt">crash<\/a>/);
  t.equal(count(html, /class="cma-link"/g), s.jobs.filter(isBooted).length, 'every booted job has a CMA table');
  t.equal(count(html, /class="console-link"/g), s.jobs.filter(isBooted).length, 'and a console log');
  const notRun = /<td [^>]*data-job="arm-cma-dynamic-areas-silent".*?<\/td>/.exec(html)?.[0] ?? '';
  t.notMatch(notRun, /console-link|crash-link|cma-link/, 'a job that did not run links to no files');
});

t.test('the page is self-contained: no script, no external resource', async (t) => {
  const html = toHtml(fixtureSummary());
  t.notMatch(html, /<script|<link|<img|<iframe|\bsrc=|https?:\/\/|url\(/i);
  t.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/);
});

t.test('text and paths from the run cannot inject markup or a javascript: link', async (t) => {
  t.equal(esc(`<a href="x" onclick='y'>&`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  t.equal(href('javascript:alert(1)'), 'javascript%3Aalert(1)');
  t.equal(href('jobs/a b/console.log'), 'jobs/a%20b/console.log');
  const m = mutableSummary();
  const j = m.jobs.find((x: { verdict: string }) => x.verdict === 'crash');
  j.crashes[0].title = '<script>alert(1)</script>';
  j.reason = '"><img src=x onerror=alert(2)>';
  j.problems = ['</td></tr></table><script>alert(3)</script>'];
  j.files.crash = 'javascript:alert(4)';
  m.builds[0].errors = ['<style>body{display:none}</style>'];
  const html = toHtml(m);
  t.notMatch(html, /<script|<img|<style>body|href="javascript:/);
  t.match(html, /crash: &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.equal(count(html, /<td class="cell /g), m.jobs.length, 'the grid keeps its shape');
});
