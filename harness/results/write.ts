/** Write every output format of a run next to its summary.json, each atomically. */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { toHtml } from './html.ts';
import { toJUnit } from './junit.ts';
import { toKcidb } from './kcidb.ts';
import { toMarkdown } from './markdown.ts';
import type { OUTPUT_FILES, RunSummary } from './model.ts';

const FORMATS: Readonly<Record<(typeof OUTPUT_FILES)[number], (s: RunSummary) => string>> = {
  'junit.xml': toJUnit,
  'report.html': toHtml,
  'report.md': toMarkdown,
  'kcidb.json': (s) => `${JSON.stringify(toKcidb(s), null, 2)}\n`,
};

export function writeOutputs(summary: RunSummary, runDir: string): void {
  for (const [file, format] of Object.entries(FORMATS)) writeFileAtomic(join(runDir, file), format(summary));
}
