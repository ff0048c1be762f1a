// A bug in bootlab surfaces with a stack that names the TypeScript source lines. Node's own
// source-map support costs every start about 15 ms (it reads and indexes each chunk's map as
// the chunk loads), so the maps are read here instead, only when a stack is printed.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** @type {Map<string, SourceMap | undefined>} */
const maps = new Map();

/** @param {string} file a compiled chunk @returns {SourceMap | undefined} */
function mapOf(file) {
  if (!maps.has(file)) {
    try {
      maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))));
    } catch {
      maps.set(file, undefined);
    }
  }
  return maps.get(file);
}

/**
 * The error's stack with each frame in a compiled chunk (dist/build-*) turned into its
 * TypeScript file and line.
 * @param {unknown} error
 * @returns {string}
 */
export function sourceStack(error) {
  const stack = error instanceof Error && error.stack ? error.stack : String(error);
  return stack.replace(/(file:\/\/)?(\/[^\s():]+\/dist\/build-[^\s():]+\.js):(\d+):(\d+)/g, (whole, _scheme, file, line, column) => {
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return whole;
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : join(dirname(file), entry.originalSource);
    return `${relative(ROOT, source)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
