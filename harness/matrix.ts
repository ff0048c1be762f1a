/**
 * Matrix files (configs/<name>.json): which (arch, variant, profile) jobs to run and what
 * each is expected to do. Validated strictly — unknown keys are errors — with messages that
 * name the file and the path inside it.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ARCH_NAMES, isArchName, type ArchName } from './arch.ts';
import { VERDICTS, type Verdict } from './boot/verdict.ts';
import { UserError } from './util/errors.ts';
import { isObject, readJsonFile, type Json } from './util/json.ts';
import { REPO_ROOT } from './util/paths.ts';
import type { Profile } from './boot/profile.ts';
import { CMA_EXPECTATIONS, type Expectation, type Gate } from './results/model.ts';
import { parseVariant } from './variant.ts';

export interface JobSpec {
  readonly id: string;
  readonly arch: ArchName;
  /** "baseline" or a series spec ("a", "a+b"), with a config suffix for a non-default config ("baseline@debug"): harness/variant.ts. */
  readonly variant: string;
  readonly profile: string;
}

export interface ExpectRule {
  readonly arch?: string;
  readonly variant?: string;
  readonly profile?: string;
  readonly verdict?: Verdict;
  readonly title?: string;
  readonly cma?: Expectation['cma'];
  readonly why?: string;
}

export interface Matrix {
  readonly name: string;
  readonly file: string;
  readonly description: string;
  readonly jobs: readonly JobSpec[];
  readonly expect: readonly ExpectRule[];
  /** Extra attempts for a job whose verdict is infra-error. */
  readonly retries: number;
  /**
   * Console silence that makes a hang on a job's first attempt, when the matrix knows its
   * healthy guests never pause that long. Re-runs use bootlab's default window.
   */
  readonly inactivityMs?: number;
  /** What the run's exit code counts: every unexpected job, or (bootlab validate) regressions. */
  readonly gate: Gate;
}


/** Extra attempts for an infra-error, unless a matrix says otherwise. */
const DEFAULT_RETRIES = 1;

/** A variant as a file or directory name: "a+b" is "a_b". */
export function variantSlug(variant: string): string {
  return variant.replace(/\+/g, '_');
}

export function jobId(arch: string, variant: string, profile: string): string {
  return `${arch}-${variantSlug(variant)}-${profile}`;
}


export function matrixPath(nameOrPath: string): string {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.json')) return resolve(nameOrPath);
  return join(REPO_ROOT, 'configs', `${nameOrPath}.json`);
}

export function loadMatrix(nameOrPath: string, profiles: ReadonlyMap<string, Profile>): Matrix {
  const file = matrixPath(nameOrPath);
  if (!existsSync(file)) {
    throw new UserError(`Matrix "${nameOrPath}" not found: ${file} does not exist. Matrices live in configs/<name>.json (nightly, premerge-cma-dynamic-areas, repro-arm64-numa-panic).`);
  }
  return parseMatrix(readJsonFile(file), file, profiles);
}

/** Pure validation of a matrix document. */
export function parseMatrix(raw: Json, file: string, profiles: ReadonlyMap<string, Profile>): Matrix {
  const err = (path: string, what: string): UserError => new UserError(`${file}: ${path}: ${what}`);
  if (!isObject(raw)) throw err('(top)', 'a matrix is an object with "description", "groups" and optionally "expect", "retries" and "inactivitySeconds".');
  const allowed = ['description', 'groups', 'expect', 'retries', 'inactivitySeconds'];
  for (const k of Object.keys(raw)) if (!allowed.includes(k)) throw err(k, `unknown key. A matrix has ${allowed.join(', ')}.`);
  const description = raw.description ?? '';
  if (typeof description !== 'string') throw err('description', 'must be a string.');
  const retries = raw.retries ?? DEFAULT_RETRIES;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 5) throw err('retries', 'must be an integer 0..5.');
  const inactivity = raw.inactivitySeconds;
  if (inactivity !== undefined && (typeof inactivity !== 'number' || !(inactivity >= 1 && inactivity <= 600))) {
    throw err('inactivitySeconds', 'must be a number of seconds from 1 to 600: how long the console may stay silent before a first attempt is called a hang.');
  }
  if (!Array.isArray(raw.groups) || raw.groups.length === 0) throw err('groups', 'must be a non-empty list of { arches, variants, profiles }.');

  const stringList = (v: Json | undefined, path: string): string[] => {
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x === '')) throw err(path, 'must be a non-empty list of names.');
    return v as string[];
  };
  const jobs = new Map<string, JobSpec>();
  raw.groups.forEach((g, i) => {
    const at = `groups[${i}]`;
    if (!isObject(g)) throw err(at, 'must be an object { arches, variants, profiles }.');
    for (const k of Object.keys(g)) if (!['arches', 'variants', 'profiles'].includes(k)) throw err(`${at}.${k}`, 'unknown key. A group has arches, variants and profiles.');
    const arches = stringList(g.arches, `${at}.arches`);
    arches.forEach((a, j) => {
      if (!isArchName(a)) throw err(`${at}.arches[${j}]`, `unknown arch "${a}". bootlab knows ${ARCH_NAMES.join(', ')}.`);
    });
    const variants = stringList(g.variants, `${at}.variants`);
    variants.forEach((v, j) => {
      const field = `${file}: ${at}.variants[${j}]`;
      const spec = parseVariant(v, field);
      if (spec.series !== undefined && !/^[A-Za-z0-9._+-]+$/.test(spec.series)) {
        throw new UserError(`${field}: "${v}" is not a variant: use "baseline" or a series name under patches/ (several joined by "+"), optionally followed by a kernel config such as "@debug".`);
      }
    });
    const names = stringList(g.profiles, `${at}.profiles`);
    names.forEach((p, j) => {
      if (!profiles.has(p)) throw err(`${at}.profiles[${j}]`, `unknown profile "${p}". Known profiles: ${[...profiles.keys()].join(', ')}.`);
    });
    for (const j of crossJobs(arches as ArchName[], variants, names)) jobs.set(j.id, j);
  });

  const expect: ExpectRule[] = [];
  if (raw.expect !== undefined) {
    if (!Array.isArray(raw.expect)) throw err('expect', 'must be a list of rules.');
    raw.expect.forEach((r, i) => {
      const at = `expect[${i}]`;
      if (!isObject(r)) throw err(at, 'must be an object.');
      const keys = ['arch', 'variant', 'profile', 'verdict', 'title', 'cma', 'why'];
      for (const k of Object.keys(r)) if (!keys.includes(k)) throw err(`${at}.${k}`, `unknown key. A rule has ${keys.join(', ')}.`);
      for (const k of Object.keys(r)) if (typeof r[k] !== 'string') throw err(`${at}.${k}`, 'must be a string.');
      if (r.verdict !== undefined && !(VERDICTS as readonly string[]).includes(r.verdict as string)) throw err(`${at}.verdict`, `must be one of ${VERDICTS.join(', ')}.`);
      if (r.cma !== undefined && !(CMA_EXPECTATIONS as readonly string[]).includes(r.cma as string)) throw err(`${at}.cma`, `must be one of ${CMA_EXPECTATIONS.join(', ')}.`);
      expect.push(r as ExpectRule);
    });
  }
  return {
    name: basename(file, '.json'),
    file,
    description,
    jobs: [...jobs.values()],
    expect,
    retries,
    ...(inactivity !== undefined ? { inactivityMs: Math.round(inactivity * 1000) } : {}),
    gate: 'expectations',
  };
}

/** Every (arch, variant, profile) of a group. */
function crossJobs(arches: readonly ArchName[], variants: readonly string[], profiles: readonly string[]): JobSpec[] {
  return arches.flatMap((arch) => variants.flatMap((variant) => profiles.map((profile) => ({ id: jobId(arch, variant, profile), arch, variant, profile }))));
}

/**
 * A matrix of one group, made on the command line (bootlab boot, rerun): with no rules, every
 * job expects a clean boot with every CMA area its command line asks for; default retries.
 */
export function oneGroupMatrix(
  name: string,
  group: { readonly arches: readonly ArchName[]; readonly variants: readonly string[]; readonly profiles: readonly string[] },
  expect: readonly ExpectRule[] = [],
): Matrix {
  return { name, file: '(command line)', description: `bootlab ${name}`, jobs: crossJobs(group.arches, group.variants, group.profiles), expect, retries: DEFAULT_RETRIES, gate: 'expectations' };
}

/** Shell-style glob with * and ?, anchored. */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

/** The expectation for a job: defaults, then every matching rule in order, later ones winning. */
export function expectationFor(job: JobSpec, rules: readonly ExpectRule[]): Expectation {
  let e: Expectation = { verdict: 'pass', cma: 'ok' };
  for (const r of rules) {
    if (r.arch !== undefined && !globMatch(r.arch, job.arch)) continue;
    if (r.variant !== undefined && !globMatch(r.variant, job.variant)) continue;
    if (r.profile !== undefined && !globMatch(r.profile, job.profile)) continue;
    e = {
      verdict: r.verdict ?? e.verdict,
      cma: r.cma ?? (r.verdict !== undefined && r.verdict !== 'pass' ? 'any' : e.cma),
      ...(r.title !== undefined ? { title: r.title } : r.verdict === undefined && e.title !== undefined ? { title: e.title } : {}),
      ...(r.why !== undefined ? { why: r.why } : e.why !== undefined ? { why: e.why } : {}),
    };
  }
  return e;
}

export interface JobFilter {
  readonly arches?: readonly string[];
  readonly variants?: readonly string[];
  readonly profiles?: readonly string[];
  readonly only?: string;
  /** [k, n]: keep the k-th of n deterministic slices (1-based). */
  readonly shard?: readonly [number, number];
}

export function selectJobs(jobs: readonly JobSpec[], f: JobFilter): JobSpec[] {
  const picked = jobs.filter(
    (j) =>
      (!f.arches || f.arches.includes(j.arch)) &&
      (!f.variants || f.variants.includes(j.variant)) &&
      (!f.profiles || f.profiles.includes(j.profile)) &&
      (!f.only || globMatch(f.only, j.id)),
  );
  if (!f.shard) return picked;
  const [k, n] = f.shard;
  // Slice by sorted id so every shard agrees on the order whatever the file order.
  const sorted = [...picked].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.filter((_, i) => i % n === k - 1);
}
