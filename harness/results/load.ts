/**
 * Read a summary.json back into a RunSummary, checking it field by field: JSON has no
 * literal types, so without this an "arch": "arm46" or a misspelt key would reach the
 * report writers unnoticed. Pure; errors name the source and the path inside it.
 *
 * Each record below lists every key of its model type (Fields<T> makes a missing or extra
 * key a compile error), so the checker cannot drift from model.ts silently.
 */
import { ARCH_NAMES } from '../arch.ts';
import type { CmaCheck, CmaRow, RowStatus } from '../cma/check.ts';
import type { Verdict } from '../boot/console.ts';
import { CRASH_KINDS, type CodeLocation, type CrashReport, type InlinedCall, type SourceLocation, type StackFrame } from '../crash/types.ts';
import { UserError } from '../util/errors.ts';
import { SUMMARY_SCHEMA_VERSION, type BuildRecord, type Comparison, type ComparisonClass, type Expectation, type JobRecord, type RunSummary } from './model.ts';

type Check = (v: unknown, path: string) => string | undefined;
type Field = { readonly check: Check; readonly optional?: true };
type Fields<T> = { readonly [K in keyof T]-?: Field };

/** A list of every member of a string union: a missing member is a compile error. */
const every =
  <T extends string>() =>
  <const A extends readonly T[]>(values: A & ([T] extends [A[number]] ? unknown : 'missing members')): A =>
    values;

const VERDICTS = every<Verdict>()(['pass', 'crash', 'hang', 'qemu-error', 'infra-error']);
const JOB_VERDICTS = [...VERDICTS, 'build-failed', 'not-run'] as const;
const CMA_MODES = every<Expectation['cma']>()(['ok', 'slot-error', 'any']);
const ROW_STATUSES = every<RowStatus>()(['ok', 'missing', 'extra', 'wrong-size', 'wrong-node', 'not-activated', 'alloc-failed']);
const CLASSES = every<ComparisonClass>()(['ok', 'regression', 'fixed', 'still-failing', 'flaky']);
const STATES = every<RunSummary['state']>()(['complete', 'interrupted']);
const HOWS = every<NonNullable<BuildRecord['how']>>()(['cached', 'cold', 'incremental']);

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v}"` : typeof v === 'object' ? 'an object' : String(v));

const req = (check: Check): Field => ({ check });
const opt = (check: Check): Field => ({ check, optional: true });

const str: Check = (v) => (typeof v === 'string' ? undefined : `expected a string, got ${describe(v)}`);
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `expected a number, got ${describe(v)}`);
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : `expected true or false, got ${describe(v)}`);
const oneOf =
  (values: readonly (string | number)[]): Check =>
  (v) =>
    values.includes(v as string) ? undefined : `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function arrayOf(item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v)) return `expected an array, got ${describe(v)}`;
    for (const [i, x] of v.entries()) {
      const e = item(x, `${path}[${i}]`);
      if (e) return e;
    }
    return undefined;
  };
}

function recordOf(value: Check): Check {
  return (v, path) => {
    if (!isObject(v)) return `expected an object, got ${describe(v)}`;
    for (const [k, x] of Object.entries(v)) {
      const e = value(x, `${path}.${k}`);
      if (e) return e;
    }
    return undefined;
  };
}

/** Errors from nested checks already carry their path ("at <path>: ..."); top-level ones get it here. */
const at = (path: string, e: string): string => (e.startsWith('at ') ? e : `at ${path}: ${e}`);

function object<T>(fields: Fields<T>): Check {
  return (v, path) => {
    if (!isObject(v)) return at(path, `expected an object, got ${describe(v)}`);
    const spec = fields as Readonly<Record<string, Field>>;
    for (const k of Object.keys(v)) if (!(k in spec)) return at(`${path}.${k}`, `unknown key (known: ${Object.keys(spec).join(', ')})`);
    for (const [k, f] of Object.entries(spec)) {
      if (!(k in v) || v[k] === undefined) {
        if (f.optional) continue;
        return at(`${path}.${k}`, 'missing');
      }
      const e = f.check(v[k], `${path}.${k}`);
      if (e) return at(`${path}.${k}`, e);
    }
    return undefined;
  };
}

const inlined = object<InlinedCall>({ file: req(str), line: req(num), function: req(str) });
const source = object<SourceLocation>({ file: req(str), line: req(num), function: req(str), inlined: req(arrayOf(inlined)) });
const location: Fields<CodeLocation> = { function: opt(str), offset: opt(num), size: opt(num), module: opt(str), address: opt(str), source: opt(source) };
const frame: Fields<StackFrame> = { ...location, reliable: req(bool) };

const crash = object<CrashReport>({
  kind: req(oneOf(CRASH_KINDS)),
  title: req(str),
  header: req(str),
  guiltyFunction: opt(str),
  corrupted: req(bool),
  corruptedReason: opt(str),
  panic: opt(str),
  faultAddress: opt(str),
  pc: opt(object(location)),
  lr: opt(object(location)),
  frames: req(arrayOf(object(frame))),
  registers: req(recordOf(str)),
  cpu: opt(num),
  pid: opt(num),
  comm: opt(str),
  taint: opt(str),
  kernelVersion: opt(str),
  startLine: req(num),
  endLine: req(num),
  excerpt: req(arrayOf(str)),
});

const cmaRow = object<CmaRow>({
  area: req(str),
  status: req(oneOf(ROW_STATUSES)),
  expectedBytes: opt(num),
  actualBytes: opt(num),
  expectedNode: opt(num),
  actualNode: opt(num),
  detail: opt(str),
});

const cmaCheck = object<CmaCheck>({
  ok: req(bool),
  rows: req(arrayOf(cmaRow)),
  problems: req(arrayOf(str)),
  kernel: req(
    object<CmaCheck['kernel']>({
      reserved: req(arrayOf(object<CmaCheck['kernel']['reserved'][number]>({ mib: req(num), base: req(str) }))),
      slotErrors: req(num),
      notActivated: req(arrayOf(str)),
      failedToReserve: req(arrayOf(num)),
    }),
  ),
  expectedTotalBytes: req(num),
  actualTotalBytes: opt(num),
});

const expectation = object<Expectation>({ verdict: req(oneOf(VERDICTS)), title: opt(str), cma: req(oneOf(CMA_MODES)), why: opt(str) });

const arch = oneOf(ARCH_NAMES);

const build = object<BuildRecord>({
  arch: req(arch),
  variant: req(str),
  ok: req(bool),
  how: opt(oneOf(HOWS)),
  durationMs: req(num),
  log: req(str),
  dir: req(str),
  errors: opt(arrayOf(str)),
});

const job = object<JobRecord>({
  id: req(str),
  arch: req(arch),
  variant: req(str),
  profile: req(str),
  verdict: req(oneOf(JOB_VERDICTS)),
  reason: req(str),
  expected: req(expectation),
  asExpected: req(bool),
  problems: req(arrayOf(str)),
  crashes: req(arrayOf(crash)),
  cma: opt(cmaCheck),
  durationMs: req(num),
  files: req(object<JobRecord['files']>({ console: opt(str), result: opt(str), crash: opt(str), cma: opt(str) })),
  qemuArgv: opt(arrayOf(str)),
  attempts: req(num),
  attemptVerdicts: opt(arrayOf(str)),
  flaky: opt(bool),
});

const comparison = object<Comparison>({
  arch: req(arch),
  profile: req(str),
  baseline: req(str),
  variant: req(str),
  class: req(oneOf(CLASSES)),
  reason: req(str),
});

type Series = RunSummary['series'][number];

const summary = object<RunSummary>({
  schema: req(oneOf([SUMMARY_SCHEMA_VERSION])),
  runId: req(str),
  matrix: req(str),
  state: req(oneOf(STATES)),
  startedAt: req(str),
  finishedAt: req(str),
  durationMs: req(num),
  bootlab: req(object<RunSummary['bootlab']>({ version: req(str), commit: opt(str) })),
  kernel: req(object<RunSummary['kernel']>({ version: req(str), origin: req(str), sourceHash: req(str), gitCommit: opt(str) })),
  series: req(arrayOf(object<Series>({ name: req(str), hash: req(str), patches: req(arrayOf(object<Series['patches'][number]>({ file: req(str), sha256: req(str) }))) }))),
  tools: req(recordOf(str)),
  builds: req(arrayOf(build)),
  jobs: req(arrayOf(job)),
  comparisons: req(arrayOf(comparison)),
  counts: req(object<RunSummary['counts']>({ jobs: req(num), asExpected: req(num), unexpected: req(num), regressions: req(num) })),
});

/** Check parsed summary.json data against the result model. */
export function parseRunSummary(raw: unknown, source: string): RunSummary {
  const e = summary(raw, '$');
  if (e) throw new UserError(`${source} is not a bootlab run summary (schema ${SUMMARY_SCHEMA_VERSION}): ${e}.`);
  return raw as RunSummary;
}
