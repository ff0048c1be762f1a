/**
 * Run progress for people and for CI. On a terminal: a live block, one line per build and
 * job with its state and elapsed time, redrawn in place. Elsewhere (CI=true, a pipe): one
 * plain line per event, so logs stay readable.
 */
import { crashesOf, isBooted, type JobRecord } from '../results/model.ts';
import type { RunEvent } from '../run/runner.ts';
import { describeGdbCommand, formatDuration } from './printer.ts';

/** ' "BUG: ... in f"': a job's first crash title, quoted, or nothing. */
function firstTitle(j: JobRecord): string {
  const c = crashesOf(j)[0];
  return c ? ` "${c.title}"` : '';
}

export interface Progress {
  event(e: RunEvent): void;
  stop(): void;
}

export function plainLine(e: RunEvent): string {
  const t = new Date().toISOString().slice(11, 19);
  switch (e.type) {
    case 'build-start':
      return `${t} build  ${e.arch}/${e.variant} started`;
    case 'build-done':
      return `${t} build  ${e.build.arch}/${e.build.variant} ${e.build.ok ? e.build.how : 'FAILED'} in ${formatDuration(e.build.durationMs)}`;
    case 'boot-start':
      return `${t} boot   ${e.job.id} started`;
    case 'gdb-wait':
      return `${t} gdb    ${e.job.id} waits, paused, for gdb; attach with:\n  ${describeGdbCommand(e.jobDir, e.vmlinux)}`;
    case 'job-done': {
      const j = e.job;
      return `${t} done   ${j.id} ${j.verdict}${firstTitle(j)} ${j.asExpected ? 'as expected' : `UNEXPECTED: ${j.problems.join('; ')}`}`;
    }
  }
}

interface Row {
  readonly name: string;
  state: string;
  since: number;
  done: boolean;
}

/** Pure: the live block's lines at time `now`. */
export function liveLines(rows: readonly Row[], now: number, width = 120): string[] {
  return rows.map((r) => {
    const elapsed = r.done ? '' : ` ${formatDuration(now - r.since)}`;
    return `${r.name.padEnd(52)} ${r.state}${elapsed}`.slice(0, width);
  });
}

/** `plain`: one line per event even on a terminal (a person must read a gdb command in it). */
export function createProgress(out: NodeJS.WriteStream = process.stdout, plain = false): Progress {
  if (plain || !out.isTTY || process.env.CI) {
    return { event: (e) => out.write(`${plainLine(e)}\n`), stop: () => {} };
  }
  const rows = new Map<string, Row>();
  let drawn = 0;
  const draw = (): void => {
    const lines = liveLines([...rows.values()], Date.now(), out.columns ?? 120);
    // Move to the top of the previous block, then rewrite every line of it.
    out.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
  };
  const timer = setInterval(draw, 500);
  timer.unref();
  const set = (name: string, state: string, done: boolean): void => {
    const row = rows.get(name);
    if (row) Object.assign(row, { state, done, since: row.done === done ? row.since : Date.now() });
    else rows.set(name, { name, state, done, since: Date.now() });
    draw();
  };
  return {
    event(e) {
      switch (e.type) {
        case 'build-start':
          set(`build ${e.arch}/${e.variant}`, 'building', false);
          break;
        case 'build-done':
          set(`build ${e.build.arch}/${e.build.variant}`, e.build.ok ? `built (${e.build.how}, ${formatDuration(e.build.durationMs)})` : 'BUILD FAILED', true);
          break;
        case 'boot-start':
          set(e.job.id, 'booting', false);
          break;
        case 'gdb-wait':
          set(e.job.id, `waiting for gdb: ${describeGdbCommand(e.jobDir, e.vmlinux)}`, false);
          break;
        case 'job-done':
          set(e.job.id, `${e.job.verdict}${firstTitle(e.job)}${e.job.asExpected ? '' : ' (UNEXPECTED)'}${isBooted(e.job) ? ` ${formatDuration(e.job.durationMs)}` : ''}`, true);
          break;
      }
    },
    stop() {
      clearInterval(timer);
      draw();
    },
  };
}
