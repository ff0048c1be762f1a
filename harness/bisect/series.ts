/**
 * bootlab bisect --series: which patch of a series turns a job bad. Each step boots the job
 * with the first k patches applied, through the one job runner (run/runner.ts) with its
 * incremental builds, in a run directory of its own under the bisection's; the search is
 * bisect/search.ts. Signature-aware: a step is bad only when it fails the way the whole
 * series does (the same crash title, hang, or CMA problems); a build failure or another
 * failure is skipped, unless anyFailure. State is written to bisect.json after every step,
 * so --resume redoes nothing.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchName } from '../arch.ts';
import { oneGroupMatrix } from '../matrix.ts';
import type { Profile } from '../boot/profile.ts';
import type { MonitorOptions } from '../boot/console.ts';
import { isBooted, type JobRecord } from '../results/model.ts';
import { jobSignature } from '../results/tally.ts';
import { runMatrix, type RunEvent } from '../run/runner.ts';
import { seriesHash, type Series } from '../source/series.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { variantName, type ConfigName } from '../variant.ts';
import { nextStep, record, startSearch, type SearchState, type StepOutcome } from './search.ts';

export const BISECT_SCHEMA = 1;

export interface PatchInfo {
  readonly file: string;
  readonly subject: string;
  readonly sha256: string;
}

export interface BisectStep {
  /** Patches applied: 0 is the tree without the series, n the whole series. */
  readonly position: number;
  readonly variant: string;
  readonly outcome: StepOutcome;
  /** The job's signature (results/tally.ts), or every boot's with --repeat. */
  readonly signature: string;
  /** With --repeat: how each boot ended ("pass 2/3, hang (stuck vCPU) 1/3"). */
  readonly counts?: string;
  readonly why: string;
  /** The step's run directory, relative to the bisection's. */
  readonly runDir: string;
  readonly build?: { readonly how: string; readonly seconds: number };
  readonly seconds: number;
}

export interface BisectResult {
  /** 0: found; 1: inconclusive (or an end that does not behave); 3: infrastructure. */
  readonly exitCode: 0 | 1 | 3;
  readonly firstBad?: PatchInfo & { readonly position: number };
  /** When inconclusive: the patches that may be the first bad one. */
  readonly candidates?: readonly (PatchInfo & { readonly position: number })[];
  readonly message: string;
}

export interface BisectState {
  readonly schema: typeof BISECT_SCHEMA;
  readonly kind: 'series';
  readonly arch: ArchName;
  readonly profile: string;
  readonly series: string;
  /** How --series named it, paths made absolute: what --resume loads it from. */
  readonly seriesSpec: string;
  readonly config: ConfigName;
  readonly repeat: number;
  readonly anyFailure: boolean;
  readonly patches: readonly PatchInfo[];
  /** The whole series' signature: what "bad" means. */
  badSignature?: string;
  readonly steps: BisectStep[];
  result?: BisectResult;
}

export interface SeriesBisection {
  readonly dir: string;
  readonly arch: ArchName;
  readonly profile: string;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly series: Series;
  readonly seriesSpec: string;
  readonly config: ConfigName;
  readonly repeat: number;
  readonly anyFailure: boolean;
  readonly kernelSrc?: string;
  readonly monitor?: Partial<MonitorOptions>;
  readonly onStep?: (step: BisectStep) => void;
  readonly onEvent?: (e: RunEvent) => void;
}

/** "Subject:" of a patch in mbox form, without "[PATCH n/m]"; the file name when it has none. */
export function patchSubject(path: string, file: string): string {
  const m = /^Subject:\s*(.+(?:\n[ \t].+)*)/m.exec(readFileSync(path, 'utf8'));
  if (!m) return file;
  return m[1]!.replace(/\n[ \t]+/g, ' ').replace(/^\[[^\]]*\]\s*/, '').trim();
}

/** The first k patches of a series, as a series of its own (variant names cannot hold '/' or '~'). */
export function seriesPrefix(series: Series, k: number): Series {
  const patches = series.patches.slice(0, k);
  return { name: `${series.name}.first${k}`, dir: series.dir, patches, hash: seriesHash(patches) };
}

const stateFile = (dir: string): string => join(dir, 'bisect.json');

export function loadState(dir: string): BisectState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as BisectState;
  if (state.schema !== BISECT_SCHEMA || state.kind !== 'series') throw new UserError(`${file} is not a series bisection bootlab ${BISECT_SCHEMA} can resume (schema ${String(state.schema)}, kind ${String(state.kind)}). Start a new one in another --out directory.`);
  return state;
}

/** Run (or resume) the bisection; the state is in `dir`/bisect.json after every step. */
export async function bisectSeries(b: SeriesBisection): Promise<BisectState> {
  const n = b.series.patches.length;
  const patches = b.series.patches.map((p) => ({ file: p.file, subject: patchSubject(p.path, p.file), sha256: p.sha256 }));
  const previous = loadState(b.dir);
  if (previous && (previous.arch !== b.arch || previous.profile !== b.profile || previous.series !== b.series.name || previous.patches.map((p) => p.sha256).join() !== patches.map((p) => p.sha256).join())) {
    throw new UserError(`${stateFile(b.dir)} is the bisection of ${previous.series} on ${previous.arch} ${previous.profile}, not of ${b.series.name} on ${b.arch} ${b.profile}: resume it with its own arguments, or give another --out.`);
  }
  const state: BisectState = previous ?? { schema: BISECT_SCHEMA, kind: 'series', arch: b.arch, profile: b.profile, series: b.series.name, seriesSpec: b.seriesSpec, config: b.config, repeat: b.repeat, anyFailure: b.anyFailure, patches, steps: [] };
  delete state.result;
  const save = (): void => writeFileAtomic(stateFile(b.dir), `${JSON.stringify(state, null, 2)}\n`);

  const step = async (position: number, end?: 'good' | 'bad'): Promise<BisectStep> => {
    const done = state.steps.find((s) => s.position === position);
    if (done) return done;
    const s = await runStep(b, position, end, state.badSignature);
    state.steps.push(s);
    save();
    b.onStep?.(s);
    return s;
  };
  const finish = (result: BisectResult): BisectState => {
    state.result = result;
    save();
    return state;
  };
  const at = (position: number): PatchInfo & { position: number } => ({ ...patches[position - 1]!, position });

  // Both ends first: without the series the job passes, with all of it it fails; that failure is "bad".
  const good = await step(0, 'good');
  if (good.outcome !== 'good') return finish({ exitCode: good.signature === 'infra-error' ? 3 : 1, message: `the tree without ${b.series.name} does not pass on ${b.arch} ${b.profile} (${good.signature}): nothing to bisect` });
  const bad = await step(n, 'bad');
  if (bad.outcome !== 'bad') return finish({ exitCode: bad.signature === 'infra-error' ? 3 : 1, message: `the whole series ${b.series.name} does not fail on ${b.arch} ${b.profile} (${bad.signature}): nothing to bisect` });
  state.badSignature ??= bad.signature;

  let search: SearchState = startSearch(n);
  for (const s of state.steps) if (s.position > 0 && s.position < n) search = replay(search, s);
  for (;;) {
    const next = nextStep(search);
    if (next.done) {
      if ('first' in next) return finish({ exitCode: 0, firstBad: at(next.first), message: `first bad patch: ${patches[next.first - 1]!.file} "${patches[next.first - 1]!.subject}"` });
      const infra = state.steps.some((s) => s.signature === 'infra-error');
      return finish({ exitCode: infra ? 3 : 1, candidates: next.candidates.map(at), message: `inconclusive: the first bad patch is one of ${next.candidates.map((p) => patches[p - 1]!.file).join(', ')} (the others were skipped)` });
    }
    search = record(search, next.next, (await step(next.next)).outcome);
  }
}

/** A recorded step applied to the search, when it still lies inside it (resume). */
function replay(search: SearchState, s: BisectStep): SearchState {
  return s.position > search.good && s.position < search.bad ? record(search, s.position, s.outcome) : search;
}

async function runStep(b: SeriesBisection, position: number, end: 'good' | 'bad' | undefined, badSignature: string | undefined): Promise<BisectStep> {
  const started = Date.now();
  const prefix = position === 0 ? undefined : seriesPrefix(b.series, position);
  const variant = variantName(prefix?.name, b.config);
  const runDir = join('steps', String(position).padStart(3, '0'));
  // A step interrupted before it was recorded is redone from scratch.
  rmSync(join(b.dir, runDir), { recursive: true, force: true });
  const matrix = oneGroupMatrix('bisect', { arches: [b.arch], variants: [variant], profiles: [b.profile] });
  const summary = await runMatrix({
    matrix,
    jobs: matrix.jobs,
    profiles: b.profiles,
    kernels: { kind: 'build', ...(b.kernelSrc !== undefined ? { kernelSrc: b.kernelSrc } : {}), ...(prefix ? { series: new Map([[prefix.name, prefix]]) } : {}) },
    outDir: join(b.dir, runDir),
    ...(b.repeat > 1 ? { repeat: b.repeat } : {}),
    ...(b.monitor ? { monitor: b.monitor } : {}),
    ...(b.onEvent ? { onEvent: b.onEvent } : {}),
  });
  const job = summary.jobs[0]!;
  const build = summary.builds.find((r) => r.variant === variant);
  const judged = judgeStep(job, end, badSignature, b.anyFailure);
  return {
    position,
    variant,
    ...judged,
    runDir,
    ...(build ? { build: { how: build.ok ? (build.how ?? 'built') : 'failed', seconds: Math.round(build.durationMs / 100) / 10 } } : {}),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/**
 * good: every boot passed; bad: a boot failed with the series' signature (at the bad end: any
 * failure, which then defines it); skip: it did not build, the machine failed it, or it failed
 * some other way (bad with anyFailure).
 */
export function judgeStep(job: JobRecord, end: 'good' | 'bad' | undefined, badSignature: string | undefined, anyFailure: boolean): Pick<BisectStep, 'outcome' | 'signature' | 'counts' | 'why'> {
  const signatures = isBooted(job) && job.tally.length > 1 ? job.tally.map((e) => e.signature) : [jobSignature(job)];
  const counts = isBooted(job) && job.tally.reduce((n, e) => n + e.count, 0) > 1 ? job.tally.map((e) => `${e.signature} ${e.count}`).join(', ') : undefined;
  const failing = signatures.filter((s) => s !== 'pass');
  const signature = failing[0] ?? 'pass';
  const base = { signature, ...(counts !== undefined ? { counts } : {}) };
  if (job.verdict === 'build-failed') return { ...base, outcome: 'skip', why: `did not build: ${job.reason}` };
  if (failing.length === 0) return { ...base, outcome: 'good', why: 'passed' };
  if (failing.every((s) => s === 'infra-error' || s === 'not-run')) return { ...base, outcome: 'skip', why: `no evidence: ${job.reason}` };
  if (end === 'bad' || (badSignature !== undefined && failing.includes(badSignature))) return { ...base, signature: end === 'bad' ? signature : badSignature!, outcome: 'bad', why: 'fails like the whole series' };
  if (anyFailure) return { ...base, outcome: 'bad', why: `fails differently (${signature}), counted bad with --any-failure` };
  return { ...base, outcome: 'skip', why: `fails differently (${signature}): not the series' failure` };
}

/** The per-step table, in position order. */
export function formatSteps(state: BisectState): string {
  const rows = [...state.steps].sort((a, b) => a.position - b.position);
  const lines = [`${'step'.padEnd(5)} ${'patches'.padEnd(8)} ${'outcome'.padEnd(8)} ${'build'.padEnd(18)} ${'seconds'.padStart(7)}  signature`];
  for (const s of rows) {
    const top = s.position === 0 ? '(none)' : state.patches[s.position - 1]!.file;
    const build = s.build ? `${s.build.how} ${s.build.seconds}s` : '-';
    lines.push(`${String(state.steps.indexOf(s) + 1).padEnd(5)} ${String(s.position).padEnd(8)} ${s.outcome.padEnd(8)} ${build.padEnd(18)} ${s.seconds.toFixed(1).padStart(7)}  ${s.signature}${s.counts ? ` [${s.counts}]` : ''}  (${top})`);
  }
  return `${lines.join('\n')}\n`;
}
