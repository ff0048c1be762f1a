/**
 * report.html: one self-contained page (inline CSS, no script, no network) that shows the
 * matrix as a grid, one row per (arch, profile) and one column per variant, each cell
 * coloured by verdict and linking to the job's console log, crash report and CMA table.
 * Pure: RunSummary in, HTML text out; links are relative to the run directory, where the
 * page is written.
 *
 * Everything from the run (crash titles, reasons, compiler errors: text the kernel or a
 * patch author controls) goes through esc() or href(). The Content-Security-Policy is a
 * second wall: even if a string slipped through, the browser would run no script and fetch
 * nothing.
 */
import { isBooted, JOB_VERDICTS, type JobRecord, type RunSummary } from './model.ts';
import { attemptsNote, countsLine, crashTitles, gridRows, kernelsOf, seconds, sortedComparisons, variantsOf, verdictText } from './outcome.ts';
import { plural } from '../util/text.ts';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * A run-relative file path as an href. Encoding each segment turns "javascript:x" into the
 * harmless relative path "javascript%3Ax", so no path can become a scheme.
 */
export function href(path: string): string {
  return esc(path.split('/').map(encodeURIComponent).join('/'));
}

const anchor = (jobId: string): string => `job-${jobId}`;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #212121; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .5em; }
code, pre { font: 12px/1.35 ui-monospace, monospace; }
pre { white-space: pre-wrap; margin: .2em 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bdbdbd; padding: .35em .6em; text-align: left; vertical-align: top; }
thead th { background: #eeeeee; }
tbody th { background: #fafafa; font-weight: 600; }
.cell { min-width: 12em; }
.cell .verdict { font-weight: 600; }
.cell .links a { margin-right: .6em; }
.cell .mark { font-size: .85em; font-weight: 700; text-transform: uppercase; color: #b71c1c; }
.cell.unexpected { outline: 3px solid #b71c1c; outline-offset: -3px; }
.v-pass { background: #c8e6c9; }
.v-crash { background: #ef9a9a; }
.v-hang { background: #ffcc80; }
.v-qemu-error { background: #ce93d8; }
.v-infra-error { background: #cfd8dc; }
.v-build-failed { background: #37474f; color: #ffffff; }
.v-build-failed a, .v-build-failed .mark { color: #ffffff; }
.v-not-run { background: #fafafa; color: #757575; }
td.none { color: #9e9e9e; text-align: center; }
.legend span { display: inline-block; padding: .1em .5em; margin-right: .4em; border: 1px solid #bdbdbd; }
.c-regression td:first-child { background: #ef9a9a; font-weight: 700; }
.c-flaky td:first-child { background: #ffcc80; }
.c-fixed td:first-child { background: #c8e6c9; }
.c-still-failing td:first-child { background: #cfd8dc; }
.b-failed td:nth-child(3) { background: #37474f; color: #ffffff; }
.builds td:not(:last-child) { white-space: nowrap; }
footer { margin-top: 2em; color: #757575; font-size: .9em; }
`;


function cell(job: JobRecord | undefined): string {
  if (!job) return '<td class="none">-</td>';
  const classes = ['cell', `v-${job.verdict}`, ...(job.asExpected ? [] : ['unexpected'])];
  const tip = job.asExpected ? job.reason : job.problems.join('\n');
  const links: string[] = [];
  if (isBooted(job)) {
    links.push(`<a class="console-link" href="${href(job.files.console)}">console</a>`);
    if (job.files.crash) links.push(`<a class="crash-link" href="${href(job.files.crash)}">crash</a>`);
    links.push(`<a class="cma-link" href="${href(job.files.cma)}">cma</a>`);
  }
  if (!job.asExpected) links.push(`<a class="why-link" href="#${esc(encodeURIComponent(anchor(job.id)))}">why</a>`);
  const attempts = attemptsNote(job);
  const extra = attempts ? ` <span class="attempts">(${attempts})</span>` : '';
  return [
    `<td class="${classes.join(' ')}" data-verdict="${esc(job.verdict)}" data-job="${esc(job.id)}" data-expected="${job.asExpected}" title="${esc(tip)}">`,
    `<div class="verdict">${esc(verdictText(job))}${extra}</div>`,
    job.asExpected ? '' : '<div class="mark">unexpected</div>',
    links.length > 0 ? `<div class="links">${links.join(' ')}</div>` : '',
    '</td>',
  ].join('');
}

function grid(summary: RunSummary): string[] {
  const variants = variantsOf(summary);
  const out = ['<table class="grid">', `<thead><tr><th scope="col">arch</th><th scope="col">profile</th>${variants.map((v) => `<th scope="col">${esc(v)}</th>`).join('')}</tr></thead>`, '<tbody>'];
  for (const r of gridRows(summary)) {
    // One cell per line keeps the reference file's diffs readable.
    out.push('<tr>', `<th scope="row">${esc(r.arch)}</th>`, `<th scope="row">${esc(r.profile)}</th>`, ...variants.map((v) => cell(r.jobs.get(v))), '</tr>');
  }
  out.push('</tbody>', '</table>');
  out.push(`<p class="legend">${JOB_VERDICTS.map((v) => `<span class="v-${v}">${v}</span>`).join('')} A red outline marks a job that did not do what the matrix expects.</p>`);
  return out;
}

function comparisons(summary: RunSummary): string[] {
  const cs = sortedComparisons(summary);
  if (cs.length === 0) return ['<p>No variant has a baseline to compare with.</p>'];
  const jobLink = (id: string): string => `<a href="#${esc(encodeURIComponent(anchor(id)))}">${esc(id)}</a>`;
  const out = ['<table class="comparisons">', '<thead><tr><th>class</th><th>arch</th><th>profile</th><th>variant</th><th>jobs</th><th>reason</th></tr></thead>', '<tbody>'];
  for (const c of cs) {
    const patched = summary.jobs.find((j) => j.arch === c.arch && j.profile === c.profile && j.variant === c.variant);
    const jobs = [jobLink(c.baseline), ...(patched ? [jobLink(patched.id)] : [])].join(' vs ');
    out.push(`<tr class="c-${esc(c.class)}"><td>${esc(c.class)}</td><td>${esc(c.arch)}</td><td>${esc(c.profile)}</td><td>${esc(c.variant)}</td><td>${jobs}</td><td>${esc(c.reason)}</td></tr>`);
  }
  out.push('</tbody>', '</table>');
  return out;
}

function builds(summary: RunSummary): string[] {
  const out = ['<table class="builds">', '<thead><tr><th>arch</th><th>variant</th><th>result</th><th>how</th><th>time</th><th>log</th><th>errors</th></tr></thead>', '<tbody>'];
  for (const k of kernelsOf(summary)) {
    const b = k.build;
    if (!b) {
      out.push(`<tr class="b-none"><td>${esc(k.arch)}</td><td>${esc(k.variant)}</td><td>not built</td><td></td><td></td><td></td><td></td></tr>`);
      continue;
    }
    const errors = b.errors && b.errors.length > 0 ? `<pre>${esc(b.errors.join('\n'))}</pre>` : '';
    out.push(
      `<tr class="b-${b.ok ? 'ok' : 'failed'}"><td>${esc(b.arch)}</td><td>${esc(b.variant)}</td><td>${b.ok ? 'ok' : 'failed'}</td><td>${esc(b.how ?? '')}</td>` +
        `<td>${seconds(b.durationMs).toFixed(1)} s</td><td><a href="${href(b.log)}">build log</a></td><td>${errors}</td></tr>`,
    );
  }
  out.push('</tbody>', '</table>');
  return out;
}

/** Every job in the page gets an anchor; unexpected ones say why, expected ones are one line. */
function jobs(summary: RunSummary): string[] {
  const out = ['<ul class="jobs">'];
  for (const j of summary.jobs) {
    const lines = [`<b>${esc(j.id)}</b>: ${esc(verdictText(j))} (${esc(j.reason)})`];
    if (!j.asExpected) lines.push(`<ul>${j.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>`);
    out.push(`<li id="${esc(anchor(j.id))}" class="${j.asExpected ? 'expected' : 'unexpected'}">${lines.join('')}</li>`);
  }
  out.push('</ul>');
  return out;
}

export function toHtml(summary: RunSummary): string {
  const series = summary.series.map((s) => `${esc(s.name)} (${plural(s.patches.length, 'patch', 'patches')})`).join(', ');
  const crashes = crashTitles(summary);
  const body = [
    '<header>',
    `<h1>bootlab ${esc(summary.matrix)}</h1>`,
    `<p class="summary">Run <code>${esc(summary.runId)}</code> on Linux ${esc(summary.kernel.version)}${series ? ` with ${series}` : ''}: ${esc(countsLine(summary))}.` +
      `${summary.state === 'interrupted' ? ' <b>The run was interrupted</b>: jobs it did not reach are marked not-run.' : ''}</p>`,
    '</header>',
    '<main>',
    '<section id="boots">',
    '<h2>Boots</h2>',
    ...grid(summary),
    '</section>',
    '<section id="comparisons">',
    '<h2>Compared with baseline</h2>',
    ...comparisons(summary),
    '</section>',
    '<section id="builds">',
    '<h2>Builds</h2>',
    ...builds(summary),
    '</section>',
    ...(crashes.length > 0
      ? ['<section id="crashes">', '<h2>Crashes</h2>', '<ul>', ...crashes.map((c) => `<li><code>${esc(c.title)}</code> seen on ${plural(c.jobs.length, 'job')}: ${c.jobs.map((id) => `<a href="#${esc(encodeURIComponent(anchor(id)))}">${esc(id)}</a>`).join(', ')}</li>`), '</ul>', '</section>']
      : []),
    '<section id="jobs">',
    '<h2>Jobs</h2>',
    ...jobs(summary),
    '</section>',
    '</main>',
    `<footer>bootlab ${esc(summary.bootlab.version)}${summary.bootlab.commit ? ` (${esc(summary.bootlab.commit.slice(0, 12))})` : ''}, ${esc(summary.startedAt)} to ${esc(summary.finishedAt)}, ${seconds(summary.durationMs).toFixed(0)} s</footer>`,
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>bootlab ${esc(summary.matrix)} ${esc(summary.runId)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
