/**
 * Read a summary.json back into a RunSummary, checking it field by field: JSON has no
 * literal types, so without this an "arch": "arm46" or a misspelt key would reach the
 * report writers unnoticed. Pure; errors name the source and the path inside it.
 *
 * Each record below lists every key of its model type (Fields<T> makes a missing or extra
 * key a compile error), so the checker cannot drift from model.ts silently.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ARCH_NAMES } from '../arch.ts';
import { STOP_REASONS, type CrashSighting } from '../boot/console.ts';
import type { CpuState } from '../boot/forensics/registers.ts';
import type { FirstFault } from '../boot/forensics/trace.ts';
import type { CmaArea, GuestReport } from '../boot/guest-report.ts';
import { EVIDENCE, VERDICTS } from '../boot/verdict.ts';
import { ROW_STATUSES, type CmaCheck, type CmaRow } from '../cma/check.ts';
import { CRASH_KINDS, type CodeLocation, type CrashReport, type InlinedCall, type SourceLocation, type StackFrame } from '../crash/types.ts';
import { UserError } from '../util/errors.ts';
import { isObject, readJsonFile } from '../util/json.ts';
import {
  BUILD_HOWS,
  CMA_EXPECTATIONS,
  COMPARISON_CLASSES,
  GATES,
  JOB_VERDICTS,
  RUN_STATES,
  SUMMARY_SCHEMA_VERSION,
  type BootedFile,
  type BootedJob,
  type BootRecord,
  type KernelRecord,
  type TallyEntry,
  type BuildFailedJob,
  type BuildRecord,
  type JobRecord,
  type Comparison,
  type Expectation,
  type DumpRecord,
  type ForensicsRecord,
  type JobFiles,
  type MachineRecord,
  type NotRunJob,
  type RunSummary,
} from './model.ts';

type Check = (v: unknown, path: string) => string | undefined;
type Field = { readonly check: Check; readonly optional?: true };
type Fields<T> = { readonly [K in keyof T]-?: Field };



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

const expectation = object<Expectation>({ verdict: req(oneOf(VERDICTS)), title: opt(str), cma: req(oneOf(CMA_EXPECTATIONS)), why: opt(str) });

const arch = oneOf(ARCH_NAMES);

const build = object<BuildRecord>({
  arch: req(arch),
  variant: req(str),
  ok: req(bool),
  how: opt(oneOf(BUILD_HOWS)),
  durationMs: req(num),
  log: req(str),
  dir: req(str),
  errors: opt(arrayOf(str)),
});

const int: Check = (v) => (Number.isInteger(v) ? undefined : `expected an integer, got ${describe(v)}`);

const cmaArea = object<CmaArea>({ name: req(str), basePfn: req(num), count: req(num), orderPerBit: req(num), used: req(num), maxchunk: req(num) });

const guest = object<GuestReport>({
  version: req(num),
  complete: req(bool),
  cmdline: opt(str),
  pageSize: opt(num),
  areas: req(arrayOf(cmaArea)),
  alloc: req(recordOf(object<GuestReport['alloc'][string]>({ ok: req(bool), detail: req(str) }))),
  cmaTotalKiB: opt(num),
  cmaFreeKiB: opt(num),
  nodes: req(arrayOf(object<GuestReport['nodes'][number]>({ id: req(int), startPfn: req(num), endPfn: req(num) }))),
  mangled: req(int),
});

type Numa = NonNullable<MachineRecord['numa']>;
const machine = object<MachineRecord>({
  qemu: req(str),
  board: req(str),
  cpu: req(str),
  memoryMiB: req(int),
  smp: req(int),
  numa: opt(object<Numa>({ nodes: req(arrayOf(object<Numa['nodes'][number]>({ memoryMiB: req(int), cpus: req(arrayOf(int)) }))), distances: opt(arrayOf(arrayOf(int))) })),
  earlycon: req(bool),
  cmdline: req(arrayOf(str)),
  reservedPools: opt(object<NonNullable<MachineRecord['reservedPools']>>({ count: req(int), sizeMiB: req(int) })),
  kernelCmdline: req(str),
});

type Register = ForensicsRecord['registers'][number];
const register = object<Register>({ cpu: req(int), pc: opt(str), lr: opt(str), mode: opt(str), raw: req(str), pcSymbol: opt(str), lrSymbol: opt(str) } satisfies Fields<CpuState> & Fields<Register>);
const forensics = object<ForensicsRecord>({
  registers: req(arrayOf(register)),
  readings: req(arrayOf(str)),
  recoveredLines: req(int),
  firstFault: opt(object<FirstFault>({ exception: req(str), address: opt(str), status: opt(str), lines: req(arrayOf(str)) })),
  errors: req(arrayOf(str)),
  durationMs: req(num),
});

const files = object<JobFiles>({
  console: req(str),
  timedConsole: req(str),
  result: req(str),
  cma: req(str),
  crash: opt(str),
  recovered: opt(str),
  reproduce: req(str),
  gdb: opt(str),
  core: opt(str),
});

const bootedFile: Fields<BootedFile> = { path: req(str), sha256: req(str) };
const kernel = object<KernelRecord>({ ...bootedFile, vmlinux: opt(str), systemMap: opt(str), config: opt(str), rebuild: req(str) });
const boot = object<BootRecord>({ verdict: req(oneOf(VERDICTS)), signature: req(str), asExpected: req(bool), reason: req(str), console: req(str) });
const tallyEntry = object<TallyEntry>({ signature: req(str), count: req(int), asExpected: req(bool) });

const head = {
  id: req(str),
  arch: req(arch),
  variant: req(str),
  profile: req(str),
  expected: req(expectation),
  asExpected: req(bool),
  problems: req(arrayOf(str)),
  reason: req(str),
};

const notRun = object<NotRunJob>({ ...head, verdict: req(oneOf(['not-run'])) });
const buildFailed = object<BuildFailedJob>({ ...head, verdict: req(oneOf(['build-failed'])) });
const booted = object<BootedJob>({
  ...head,
  verdict: req(oneOf(VERDICTS)),
  machine: req(machine),
  qemu: req(object<BootedJob['qemu']>({ argv: req(arrayOf(str)), exitCode: opt(num), signal: opt(str), stderr: req(str) })),
  stopReason: opt(oneOf(STOP_REASONS)),
  decidedAtMs: req(num),
  durationMs: req(num),
  evidence: req(oneOf(EVIDENCE)),
  firstCrash: opt(object<CrashSighting>({ atMs: req(num), line: req(str), lineNo: req(int) })),
  crashes: req(arrayOf(crash)),
  cma: req(cmaCheck),
  guest: req(guest),
  forensics: opt(forensics),
  dump: opt(object<DumpRecord>({ bannerAt: opt(str), error: opt(str) })),
  kernel: req(kernel),
  initrd: req(object<BootedFile>(bootedFile)),
  files: req(files),
  boots: req(arrayOf(boot)),
  tally: req(arrayOf(tallyEntry)),
  flaky: opt(bool),
});

/** A job is checked as the state its verdict names. */
const job: Check = (v, path) => {
  if (!isObject(v)) return at(path, `expected an object, got ${describe(v)}`);
  const e = oneOf(JOB_VERDICTS)(v.verdict, `${path}.verdict`);
  if (e) return at(`${path}.verdict`, e);
  const check = v.verdict === 'not-run' ? notRun : v.verdict === 'build-failed' ? buildFailed : booted;
  return check(v, path);
};

const comparison = object<Comparison>({
  arch: req(arch),
  profile: req(str),
  baseline: req(str),
  job: req(str),
  variant: req(str),
  class: req(oneOf(COMPARISON_CLASSES)),
  reason: req(str),
});

type Series = RunSummary['series'][number];

const summary = object<RunSummary>({
  schema: req(oneOf([SUMMARY_SCHEMA_VERSION])),
  runId: req(str),
  matrix: req(str),
  gate: req(oneOf(GATES)),
  state: req(oneOf(RUN_STATES)),
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
  if (isObject(raw) && typeof raw.schema === 'number' && raw.schema !== SUMMARY_SCHEMA_VERSION) {
    throw new UserError(`${source} was written by a bootlab with summary schema ${raw.schema}; this one reads schema ${SUMMARY_SCHEMA_VERSION}. Run the matrix again, or read it with the bootlab that wrote it (its commit is under "bootlab" in the file).`);
  }
  const e = summary(raw, '$');
  if (e) throw new UserError(`${source} is not a bootlab run summary (schema ${SUMMARY_SCHEMA_VERSION}): ${e}.`);
  return raw as RunSummary;
}

/** Check a job's result.json against the result model. */
export function parseJobRecord(raw: unknown, source: string): JobRecord {
  const e = job(raw, '$');
  if (e) throw new UserError(`${source} is not a bootlab job result (schema ${SUMMARY_SCHEMA_VERSION}): ${e}.`);
  return raw as JobRecord;
}

/** The summary of a run directory, checked. */
export function loadRunDir(dir: string): RunSummary {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) throw new UserError(`${dir} is not a bootlab run directory: it has no summary.json.`);
  return parseRunSummary(readJsonFile(file), file);
}
