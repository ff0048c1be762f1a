/**
 * report.html in a real browser: Debian's chromium, headless, loads the page from disk and
 * dumps the DOM it built. What counts is what the browser parsed, not what we wrote: a stray
 * tag in a crash title would reshape the table here even if the string looked fine.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toHtml } from '../../harness/results/html.ts';
import { isBooted, type RunSummary } from '../../harness/results/model.ts';
import { fixtureSummary, mutableSummary } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';

const work = mkdtempSync(join(tmpdir(), 'bootlab-html-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

/** Write the page and the files it links to into a run directory, as bootlab would. */
function writeRun(name: string, summary: RunSummary): string {
  const dir = join(work, name);
  for (const j of summary.jobs) {
    for (const f of isBooted(j) ? Object.values(j.files) : []) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), `${j.id}\n`);
    }
  }
  mkdirSync(dir, { recursive: true });
  const page = join(dir, 'report.html');
  writeFileSync(page, toHtml(summary));
  return page;
}

async function dumpDom(page: string): Promise<string> {
  const r = await execa(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${join(work, 'profile')}`,
      '--dump-dom',
      pathToFileURL(page).href,
    ],
    { reject: false, timeout: 120_000 },
  );
  if (r.exitCode !== 0 || !r.stdout.includes('</html>')) throw new Error(`chromium exited with ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The opening tags of elements whose class list contains `cls`, as chromium serialised them. */
const withClass = (dom: string, tag: string, cls: string): string[] =>
  [...dom.matchAll(new RegExp(`<${tag}\\b[^>]*\\bclass="(?:[^"]*\\s)?${cls}(?:\\s[^"]*)?"[^>]*>`, 'g'))].map((m) => m[0]);

const attr = (openTag: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(openTag)?.[1];

t.test('chromium is installed for the browser test', async (t) => {
  t.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: the report.html browser test needs Debian's chromium (apt-get install -y --no-install-recommends chromium)`);
});

t.test('in chromium the grid has one .cell per job and the crash cell links to its crash report', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`${CHROMIUM} not found: apt-get install -y --no-install-recommends chromium`);
  const s = fixtureSummary();
  const page = writeRun('fixture', s);
  const dom = await dumpDom(page);

  const cells = withClass(dom, 'td', 'cell');
  t.equal(cells.length, s.jobs.length, 'one cell per job');
  t.same(cells.map((c) => attr(c, 'data-job')).sort(), s.jobs.map((j) => j.id).sort());
  t.same(cells.map((c) => attr(c, 'data-verdict')).sort(), s.jobs.map((j) => j.verdict).sort());

  const crashCell = /<td\b[^>]*data-verdict="crash"[^>]*>(.*?)<\/td>/s.exec(dom);
  t.ok(crashCell, 'a crash cell');
  const link = withClass(crashCell?.[1] ?? '', 'a', 'crash-link')[0] ?? '';
  const target = new URL(attr(link, 'href') ?? '', pathToFileURL(page));
  t.equal(target.href, pathToFileURL(join(dirname(page), 'jobs/arm64-cma-dynamic-areas-default/crash.txt')).href);
  t.ok(existsSync(target), 'the crash link resolves to the crash report in the run directory');
  t.equal(withClass(dom, 'a', 'crash-link').length, s.jobs.filter((j) => isBooted(j) && j.files.crash).length);
});

t.test('in chromium, markup in a crash title stays text and does not reshape the grid', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`${CHROMIUM} not found: apt-get install -y --no-install-recommends chromium`);
  const m = mutableSummary();
  const j = m.jobs.find((x: { verdict: string }) => x.verdict === 'crash');
  j.crashes[0].title = '</td></tr></table><script>document.title="pwned"</script><b>';
  j.problems = ['"><img src=x onerror=alert(1)>'];
  const dom = await dumpDom(writeRun('injection', m));
  // Older chromium serialises "<" inside attribute values as is; only look at markup outside them.
  const markup = dom.replace(/="[^"]*"/g, '=""');
  t.notMatch(markup, /<script|<img/, 'no element came from the run text');
  t.notMatch(dom, /pwned<\/title>/);
  t.equal(withClass(dom, 'td', 'cell').length, m.jobs.length, 'the grid kept its shape');
  t.match(dom, /crash: &lt;\/td&gt;&lt;\/tr&gt;&lt;\/table&gt;&lt;script&gt;/);
});
