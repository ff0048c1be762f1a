/** Write every output format of a run next to its summary.json, each atomically. */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { toHtml } from './html.ts';
import { toJUnit } from './junit.ts';
import { toKcidb } from './kcidb.ts';
import { toMarkdown } from './markdown.ts';
import type { RunSummary } from './model.ts';

export const OUTPUT_FILES = ['junit.xml', 'report.html', 'report.md', 'kcidb.json'] as const;

export function writeOutputs(summary: RunSummary, runDir: string): void {
  writeFileAtomic(join(runDir, 'junit.xml'), toJUnit(summary));
  writeFileAtomic(join(runDir, 'report.html'), toHtml(summary));
  writeFileAtomic(join(runDir, 'report.md'), toMarkdown(summary));
  writeFileAtomic(join(runDir, 'kcidb.json'), `${JSON.stringify(toKcidb(summary), null, 2)}\n`);
}
