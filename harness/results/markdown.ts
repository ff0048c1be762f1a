/**
 * A Markdown summary for a CI comment (GitHub, GitLab): headline, the grid, the comparisons
 * with regressions first, failed builds and the crash titles. Pure: RunSummary in, text out.
 *
 * Text from the kernel (crash titles, reasons) goes through md() or code(): a console line
 * must not open a link, an HTML tag or break the table. Crash titles go in code spans, where
 * GitHub also does not turn "@name" into a mention.
 */
import { crashesOf, type JobRecord, type RunSummary } from './model.ts';
import { attemptsNote, countsLine, crashTitles, gridRows, kernelsOf, sortedComparisons, variantsOf, verdictText } from './outcome.ts';
import { plural } from '../util/text.ts';

/** Inline text safe in a paragraph, list item or table cell. */
export function md(s: string): string {
  return s
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*[\]|~#!]/g, '\\$&')
    // Intraword underscores (cma_init_reserved_mem) never start emphasis in CommonMark.
    .replace(/_/g, (u, i: number, all: string) => (/\w/.test(all[i - 1] ?? '') && /\w/.test(all[i + 1] ?? '') ? u : '\\_'));
}

/** A code span that survives backticks and pipes in its content. */
export function code(s: string): string {
  const text = s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function cell(job: JobRecord | undefined): string {
  if (!job) return '-';
  const titles = [...new Set(crashesOf(job).map((c) => c.title))];
  let text = job.verdict === 'crash' && titles.length > 0 ? `crash: ${titles.map(code).join(', ')}` : md(verdictText(job));
  const attempts = attemptsNote(job);
  if (attempts) text += ` (${attempts})`;
  if (!job.asExpected) text += ' **(unexpected)**';
  return text;
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

export function toMarkdown(summary: RunSummary): string {
  const out: string[] = [];
  const regressions = summary.counts.regressions;
  out.push(`## bootlab ${md(summary.matrix)}: ${regressions > 0 ? plural(regressions, 'regression') : summary.counts.unexpected > 0 ? 'no regressions, some jobs unexpected' : 'all as expected'}`);
  out.push('');
  const series = summary.series.map((s) => `${md(s.name)} (${plural(s.patches.length, 'patch', 'patches')})`).join(', ');
  const state = summary.state === 'interrupted' ? ' **The run was interrupted**: jobs it did not reach are marked not-run.' : '';
  out.push(`Run ${code(summary.runId)} on Linux ${md(summary.kernel.version)}${series ? ` with ${series}` : ''}: ${countsLine(summary)}.${state}`);

  const variants = variantsOf(summary);
  out.push('', '### Boots', '');
  out.push(row(['arch', 'profile', ...variants.map(md)]));
  out.push(row(['---', '---', ...variants.map(() => '---')]));
  for (const r of gridRows(summary)) out.push(row([r.arch, md(r.profile), ...variants.map((v) => cell(r.jobs.get(v)))]));

  const comparisons = sortedComparisons(summary);
  const notOk = comparisons.filter((c) => c.class !== 'ok');
  const ok = comparisons.filter((c) => c.class === 'ok');
  if (comparisons.length > 0) {
    out.push('', '### Compared with baseline', '');
    if (notOk.length > 0) {
      out.push(row(['class', 'arch', 'profile', 'variant', 'reason']));
      out.push(row(['---', '---', '---', '---', '---']));
      for (const c of notOk) out.push(row([c.class === 'regression' ? '**regression**' : c.class, c.arch, md(c.profile), md(c.variant), md(c.reason)]));
      if (ok.length > 0) out.push('');
    }
    if (ok.length > 0) out.push(`Baseline and variant both as expected: ${ok.map((c) => `${c.arch}/${md(c.profile)} (${md(c.variant)})`).join(', ')}.`);
  }

  const failedBuilds = kernelsOf(summary).filter((k) => k.build && !k.build.ok);
  if (failedBuilds.length > 0) {
    out.push('', '### Failed builds', '');
    for (const k of failedBuilds) {
      const first = k.build?.errors?.[0];
      out.push(`- ${k.arch}/${md(k.variant)}: ${first ? code(first) : 'no error line captured'} (log: ${code(k.build?.log ?? '')})`);
    }
  }

  const crashes = crashTitles(summary);
  if (crashes.length > 0) {
    out.push('', '### Crashes', '');
    for (const c of crashes) out.push(`- ${code(c.title)} seen on ${plural(c.jobs.length, 'job')}: ${c.jobs.map(md).join(', ')}`);
  }

  out.push('', `<sub>bootlab ${md(summary.bootlab.version)}${summary.bootlab.commit ? ` (${md(summary.bootlab.commit.slice(0, 12))})` : ''}, matrix ${md(summary.matrix)}, ${summary.startedAt} to ${summary.finishedAt}</sub>`);
  return `${out.join('\n')}\n`;
}
