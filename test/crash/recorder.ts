/** Watch the processes symbolization starts. */
import { run } from '../../harness/util/proc.ts';
import type { Runner } from '../../harness/crash/symbolize.ts';

/** A runner that records every process symbolization starts, then runs it (or plays back `reply`). */
export function recorder(reply?: (file: string, args: readonly string[]) => string): { runner: Runner; calls: { file: string; args: readonly string[] }[] } {
  const calls: { file: string; args: readonly string[] }[] = [];
  const runner: Runner = async (file, args, options) => {
    calls.push({ file, args });
    if (reply === undefined) return run(file, args, options);
    return { exitCode: 0, signal: undefined, timedOut: false, durationMs: 0, output: reply(file, args) };
  };
  return { runner, calls };
}
