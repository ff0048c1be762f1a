/**
 * Combine the summaries of shard runs into one, as if the matrix had run on one machine:
 * jobs and builds are united (by id), comparisons and counts recomputed. Pure.
 */
import { UserError } from '../util/errors.ts';
import { tally } from './evaluate.ts';
import { isBooted, newRunId, type JobFiles, type JobRecord, type RunSummary } from './model.ts';

/** A shard's job files, relative to the merged directory. */
function underPrefix(files: JobFiles, prefix: string): JobFiles {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, `${prefix}/${v as string}`])) as unknown as JobFiles;
}

export function mergeSummaries(parts: readonly { readonly summary: RunSummary; readonly prefix: string }[]): RunSummary {
  if (parts.length === 0) throw new UserError('bootlab merge needs at least one run directory.');
  const first = parts[0]!.summary;
  for (const { summary } of parts) {
    if (summary.gate !== first.gate) throw new UserError(`Cannot merge runs judged differently: "${first.gate}" and "${summary.gate}".`);
    if (summary.matrix !== first.matrix) throw new UserError(`Cannot merge runs of different matrices: "${first.matrix}" and "${summary.matrix}".`);
    if (summary.kernel.sourceHash !== first.kernel.sourceHash) throw new UserError(`Cannot merge runs of different kernel trees (${first.kernel.origin} and ${summary.kernel.origin}).`);
  }
  const jobs = new Map<string, JobRecord>();
  for (const { summary, prefix } of parts) {
    for (const j of summary.jobs) {
      const prior = jobs.get(j.id);
      if (prior && prior.verdict !== 'not-run' && j.verdict === 'not-run') continue;
      if (!isBooted(j)) {
        jobs.set(j.id, j);
        continue;
      }
      jobs.set(j.id, { ...j, files: underPrefix(j.files, prefix) });
    }
  }
  const sorted = [...jobs.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const builds = parts.flatMap(({ summary, prefix }) => summary.builds.map((b) => ({ ...b, log: `${prefix}/${b.log}` })));
  const startedAt = parts.map((p) => p.summary.startedAt).sort()[0]!;
  const finishedAt = parts.map((p) => p.summary.finishedAt).sort().at(-1)!;
  return {
    ...first,
    runId: newRunId(new Date(startedAt)),
    state: parts.every((p) => p.summary.state === 'complete') ? 'complete' : 'interrupted',
    startedAt,
    finishedAt,
    durationMs: Math.max(...parts.map((p) => p.summary.durationMs)),
    series: [...new Map(parts.flatMap((p) => p.summary.series).map((s) => [s.name, s])).values()],
    builds,
    jobs: sorted,
    ...tally(sorted),
  };
}
