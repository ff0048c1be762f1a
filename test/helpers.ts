/** Shared by the end-to-end tests: run the real bootlab CLI and look for leftover processes. */
import { execa, type ResultPromise } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBooted, type BootedJob, type JobRecord, type RunSummary } from '../harness/results/model.ts';

export const REPO = join(import.meta.dirname, '..');
export const BIN = join(REPO, 'bin', 'bootlab.js');
export const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface CliResult {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export async function bootlab(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await execa('node', [BIN, ...args], { reject: false, env, cwd: REPO });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** Start bootlab without waiting for it (for signal tests). */
export function spawnBootlab(args: readonly string[]): ResultPromise {
  return execa('node', [BIN, ...args], { reject: false, cwd: REPO });
}

/**
 * Processes whose command line matches `pattern` (pgrep -af), one "pid command" line each.
 * pgrep exits 1 when nothing matches; anything else (procps missing, a bad pattern) throws,
 * so a check for leftovers can never pass because pgrep did not run.
 */
export async function pgrep(pattern: string): Promise<string[]> {
  const r = await execa('pgrep', ['-af', pattern], { reject: false });
  if (r.exitCode === 1 && r.stdout === '') return [];
  if (r.exitCode !== 0) throw new Error(`pgrep -af '${pattern}' failed (${r.exitCode ?? r.code ?? r.signal}): ${r.stderr || r.message} — is procps installed?`);
  return r.stdout.split('\n').filter(Boolean);
}

/** QEMU processes whose -name starts with the given prefix (bootlab names them bootlab-<job>). */
export async function qemuProcesses(namePrefix = 'bootlab-'): Promise<string[]> {
  return (await pgrep('^qemu-system-')).filter((l) => l.includes(`-name ${namePrefix}`));
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

/** A run directory's summary.json (as `bootlab boot --json` also prints it). */
export function summaryOf(runDir: string): RunSummary {
  return JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
}

/** The job of a run with this id; throws naming the ids there are, so a test fails readably. */
export function jobOf(s: RunSummary, id: string): JobRecord {
  const j = s.jobs.find((x) => x.id === id);
  if (!j) throw new Error(`no job ${id} in ${s.jobs.map((x) => x.id).join(', ')}`);
  return j;
}

/** Every job of a run, each of which must have booted. */
export function bootedJobs(s: RunSummary): BootedJob[] {
  return s.jobs.map((j) => {
    if (!isBooted(j)) throw new Error(`job ${j.id} did not boot: ${j.verdict} (${j.reason})`);
    return j;
  });
}

/** A job that must have booted. */
export function booted(j: JobRecord): BootedJob {
  if (!isBooted(j)) throw new Error(`job ${j.id} did not boot: ${j.verdict} (${j.reason})`);
  return j;
}
