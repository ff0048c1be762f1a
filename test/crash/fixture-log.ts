/** The crash fixtures of test/fixtures/crash: TITLE/TYPE/GUILTY/CORRUPTED headers, a blank line, the console log. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CRASH_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'crash');

export const crashFixtureNames = (): string[] =>
  readdirSync(CRASH_FIXTURES)
    .filter((f) => f.endsWith('.log'))
    .sort();

/** A fixture's console log as the kernel printed it, without the header that describes it. */
export function fixtureLog(name: string): string {
  const text = readFileSync(join(CRASH_FIXTURES, name), 'utf8');
  const blank = /\r?\n\r?\n/.exec(text);
  if (!blank) throw new Error(`${name}: no blank line after the fixture header`);
  return text.slice(blank.index + blank[0].length);
}

/** The call trace of the arm64 CMA oops fixture (arm64-cma-paging-request.log), innermost first. */
export const ARM64_CMA_TRACE = [
  '__memset',
  'memblock_alloc_try_nid',
  'cma_init_reserved_mem',
  'cma_declare_contiguous_nid',
  'dma_contiguous_reserve_area',
  'dma_contiguous_reserve',
  'arm64_memblock_init',
  'setup_arch',
  'start_kernel',
  '__primary_switched',
] as const;
