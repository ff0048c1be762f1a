import { relative } from 'node:path';
import { ARCH_NAMES, parseArchList } from '../arch.ts';
import { crossKernels, scheduleBuilds, requireBuildTools } from '../build/schedule.ts';
import type { BuildOutcome } from '../build/kernel.ts';
import type { Command } from '../cli/main.ts';
import { UserError } from '../util/errors.ts';
import { loadStackedSeries, type Series } from '../source/series.ts';
import { resolveSource } from '../source/tree.ts';
import { formatDuration } from '../cli/printer.ts';
import { commaList } from '../util/lists.ts';

export function parseSeriesOption(value: string | undefined): Series[] {
  if (value === undefined || value === 'none') return [];
  return commaList(value).map((name) => loadStackedSeries(name));
}

export function parseJobs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--jobs expects a positive integer, got "${value}".`);
  return n;
}

export const buildCommand: Command = {
  summary: 'build kernels for the given arches, baseline and with a patch series',
  options: {
    arch: { type: 'string', default: ARCH_NAMES.join(','), description: `comma-separated arches (${ARCH_NAMES.join(', ')})` },
    series: { type: 'string', default: 'none', description: 'patch series under patches/ (comma-separated variants; a+b stacks b on a), or none' },
    'kernel-src': { type: 'string', description: 'kernel tree to build (default: Debian linux-source-6.1)' },
    fragments: { type: 'string', description: 'comma-separated feature fragments (default: per arch)' },
    jobs: { type: 'string', description: 'make -j (default: number of cores)' },
    json: { type: 'boolean', default: false, description: 'print the build outcomes as JSON' },
  },
  async run(values) {
    const arches = parseArchList(values.arch as string);
    const series = parseSeriesOption(values.series as string | undefined);
    const fragments = typeof values.fragments === 'string' ? commaList(values.fragments) : undefined;
    const jobs = parseJobs(values.jobs as string | undefined);
    requireBuildTools(arches);
    const source = await resolveSource(values['kernel-src'] as string | undefined);
    const say = (text: string): void => {
      if (!values.json) process.stdout.write(`${text}\n`);
    };
    say(`kernel ${source.version} from ${source.origin}`);
    const builds = scheduleBuilds({
      source,
      kernels: crossKernels(arches, series),
      ...(fragments ? { fragments: () => fragments } : {}),
      ...(jobs ? { jobs } : {}),
      onEvent: (e) => {
        if (e.type === 'start') say(`building ${e.arch}/${e.variant}`);
      },
    });
    const outcomes = await Promise.all(builds.values());
    for (const o of outcomes) say(describeOutcome(o));
    if (values.json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
    return outcomes.every((o) => o.ok) ? 0 : 1;
  },
};

export function describeOutcome(o: BuildOutcome): string {
  const head = `${o.arch}/${o.variant}`.padEnd(28);
  if (!o.ok) {
    return `${head} FAILED after ${formatDuration(o.durationMs)}; log: ${o.log}\n    ${o.errors.join('\n    ')}`;
  }
  const dropped = o.droppedBySeries.length ? ` (series removed ${o.droppedBySeries.join(', ')})` : '';
  return `${head} ${o.how.padEnd(11)} ${formatDuration(o.durationMs).padStart(7)}  ${o.image}${dropped}\n    vmlinux ${relative(o.dir, o.vmlinux)}, System.map, .config, log in ${o.dir}`;
}
