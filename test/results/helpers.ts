/** Shared by the results tests: the fixture run summary and golden-file comparison. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { parseRunSummary } from '../../harness/results/load.ts';
import type { RunSummary } from '../../harness/results/model.ts';

export const RESULTS_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'results');
const REPO = join(import.meta.dirname, '..', '..');

/** The hand-made run: 3 arches x {baseline, cma-dynamic-areas}, a crash, hangs, a CMA mismatch, a failed build. */
export function fixtureSummary(): RunSummary {
  const file = join(RESULTS_FIXTURES, 'summary.json');
  return parseRunSummary(JSON.parse(readFileSync(file, 'utf8')), file);
}

/** A deep copy to mutate for one test. */
export function mutableSummary(): { -readonly [K in keyof RunSummary]: any } {
  return structuredClone(fixtureSummary());
}

/** Machine-specific paths become tokens so the references hold on any checkout (tap's {CWD}). */
const normalise = (text: string): string => text.split(REPO).join('{REPO}');

/**
 * Compare generated output with the committed reference in test/fixtures/results/<name>;
 * BOOTLAB_RENDER=1 rewrites the reference instead.
 */
export function golden(t: Test, name: string, actual: string): void {
  const file = join(RESULTS_FIXTURES, name);
  const text = normalise(actual);
  if (process.env.BOOTLAB_RENDER === '1') {
    writeFileSync(file, text);
    t.pass(`rendered ${name}`);
    return;
  }
  if (!existsSync(file)) {
    t.fail(`${file} does not exist: run with BOOTLAB_RENDER=1 to create it, then review it`);
    return;
  }
  t.equal(text, readFileSync(file, 'utf8'), `${name} matches the reference (BOOTLAB_RENDER=1 regenerates it)`);
}
