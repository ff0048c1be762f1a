/**
 * JUnit XML for CI servers (Jenkins' junit step, GitLab's artifacts:reports:junit). Pure:
 * RunSummary in, XML text out.
 *
 * One <testsuite> per kernel (arch/variant). Each job gives two testcases: "<profile>" for
 * the boot and "<profile> cma" for the CMA check, judged against the matrix's expectation, so
 * an expected crash passes and an unexpected clean boot fails. Both servers read the counts
 * from the tests/failures/errors/skipped attributes and the seconds from time="".
 */
import { Builder } from 'xml2js';
import { formatCmaCheck } from '../cma/check.ts';
import { crashesOf, isBooted, type JobRecord, type RunSummary } from './model.ts';
import { bootOutcome, cmaOutcome, kernelsOf, seconds, type Kernel, type Outcome } from './outcome.ts';

/**
 * XML 1.0 cannot carry most C0 controls, even escaped, and xmlbuilder throws on them. The
 * crash parser already strips them from excerpts; reasons and build errors come from QEMU's
 * stderr and the compiler, so clean every string on the way in.
 */
const xmlText = (s: string): string => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');

interface XmlNode {
  $?: Record<string, string | number>;
  _?: string;
  [child: string]: unknown;
}

interface Case {
  readonly node: XmlNode;
  readonly status: Outcome['status'];
  readonly time: number;
}

const time = (s: number): string => s.toFixed(3);

/**
 * The JUnit schema's timestamp is an xs:dateTime without zone or fraction
 * ("2025-01-06T10:00:00"), which strict readers insist on; bootlab's times are UTC.
 */
function junitTimestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 19);
}

function testcase(name: string, classname: string, seconds: number, outcome: Outcome, body: string, out: readonly string[]): Case {
  const node: XmlNode = { $: { name: xmlText(name), classname: xmlText(classname), time: time(seconds) } };
  const message = xmlText(outcome.message);
  if (outcome.status === 'fail') node.failure = { $: { message, type: 'unexpected' }, _: xmlText(body) };
  if (outcome.status === 'error') node.error = { $: { message, type: 'build-failed' }, _: xmlText(body) };
  if (outcome.status === 'skip') node.skipped = { $: { message } };
  if (out.length > 0) node['system-out'] = xmlText(out.join('\n'));
  return { node, status: outcome.status, time: seconds };
}

function bootBody(job: JobRecord, build: Kernel['build']): string {
  const lines = [`verdict: ${job.verdict} (${job.reason})`, `expected: ${job.expected.verdict}${job.expected.title ? ` with "${job.expected.title}"` : ''}${job.expected.why ? ` (${job.expected.why})` : ''}`];
  for (const p of job.problems) lines.push(`problem: ${p}`);
  if (job.verdict === 'build-failed') {
    for (const e of build?.errors ?? []) lines.push(e);
    if (build) lines.push(`build log: ${build.log}`);
  }
  for (const c of crashesOf(job)) lines.push('', `${c.title}${c.corrupted ? ` (corrupted report: ${c.corruptedReason ?? 'incomplete'})` : ''}`, ...c.excerpt);
  return lines.join('\n');
}

function jobCases(job: JobRecord, build: Kernel['build']): Case[] {
  const classname = `bootlab.${job.arch}.${job.variant}`;
  const files = isBooted(job) ? job.files : undefined;
  const bootOut = [
    files && `console log: ${files.console}`,
    files?.crash && `crash report: ${files.crash}`,
    files && `result: ${files.result}`,
    job.verdict === 'build-failed' && build && `build log: ${build.log}`,
  ];
  const boot = testcase(job.profile, classname, isBooted(job) ? seconds(job.durationMs) : 0, bootOutcome(job), bootBody(job, build), bootOut.filter((l): l is string => !!l));

  const cma = cmaOutcome(job);
  const cmaBody = isBooted(job) ? formatCmaCheck(job.cma) : '';
  const cmaOut = [files && `CMA table: ${files.cma}`, files && `console log: ${files.console}`];
  return [boot, testcase(`${job.profile} cma`, classname, 0, cma, cmaBody, cmaOut.filter((l): l is string => !!l))];
}

function suite(summary: RunSummary, k: Kernel): { node: XmlNode; cases: Case[] } {
  const cases = k.jobs.flatMap((j) => jobCases(j, k.build));
  // A failed build whose jobs were all marked not-run would otherwise only show as skips.
  if (k.build && !k.build.ok && !k.jobs.some((j) => j.verdict === 'build-failed')) {
    const body = [...(k.build.errors ?? []), `build log: ${k.build.log}`].join('\n');
    cases.unshift(testcase('build', `bootlab.${k.arch}.${k.variant}`, seconds(k.build.durationMs), { status: 'error', message: `kernel build failed (${k.arch}/${k.variant})` }, body, [`build log: ${k.build.log}`]));
  }
  const count = (s: Outcome['status']): number => cases.filter((c) => c.status === s).length;
  const props = [
    { $: { name: 'arch', value: k.arch } },
    { $: { name: 'variant', value: xmlText(k.variant) } },
    { $: { name: 'kernel', value: xmlText(summary.kernel.version) } },
    { $: { name: 'build', value: k.build ? `${k.build.ok ? 'ok' : 'failed'}${k.build.how ? ` (${k.build.how})` : ''}` : 'not built' } },
  ];
  const node: XmlNode = {
    $: {
      name: xmlText(`${k.arch}/${k.variant}`),
      tests: cases.length,
      failures: count('fail'),
      errors: count('error'),
      skipped: count('skip'),
      time: time(cases.reduce((n, c) => n + c.time, 0)),
      timestamp: junitTimestamp(summary.startedAt),
    },
    properties: { property: props },
    testcase: cases.map((c) => c.node),
  };
  return { node, cases };
}

export function toJUnit(summary: RunSummary): string {
  const suites = kernelsOf(summary).map((k) => suite(summary, k));
  const all = suites.flatMap((s) => s.cases);
  const count = (s: Outcome['status']): number => all.filter((c) => c.status === s).length;
  const root: XmlNode = {
    $: {
      name: xmlText(`bootlab ${summary.matrix} ${summary.runId}`),
      tests: all.length,
      failures: count('fail'),
      errors: count('error'),
      skipped: count('skip'),
      time: time(seconds(summary.durationMs)),
    },
    testsuite: suites.map((s) => s.node),
  };
  const builder = new Builder({ rootName: 'testsuites', xmldec: { version: '1.0', encoding: 'UTF-8' }, renderOpts: { pretty: true, indent: '  ', newline: '\n' } });
  return `${builder.buildObject(root)}\n`;
}
