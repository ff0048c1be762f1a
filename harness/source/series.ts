/**
 * Patch series in quilt layout: patches/<name>/series lists patch files in order, one per
 * line, "#" starts a comment, an optional "-pN" after the name sets the strip level.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { sha256 } from '../util/hash.ts';
import { REPO_ROOT } from '../util/paths.ts';

export interface PatchEntry {
  readonly file: string;
  readonly path: string;
  readonly strip: number;
  readonly sha256: string;
  /** Files the patch touches, from its ---/+++ headers, without the strip prefix. */
  readonly touches: readonly string[];
}

export interface Series {
  readonly name: string;
  readonly dir: string;
  readonly patches: readonly PatchEntry[];
  /** Identity of the whole ordered series: names, strip levels and contents. */
  readonly hash: string;
}

export const PATCH_DIR = join(REPO_ROOT, 'patches');

/** A series' identity: its patches' names, strip levels and contents, in order. */
export function seriesHash(patches: readonly PatchEntry[]): string {
  return sha256(...patches.flatMap((p) => [p.file, String(p.strip), p.sha256]));
}

export interface SeriesLine {
  readonly file: string;
  readonly strip: number;
  readonly line: number;
}

/** Pure parse of a quilt series file. */
export function parseSeriesFile(text: string, origin: string): SeriesLine[] {
  const out: SeriesLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [file, ...opts] = line.split(/\s+/);
    let strip = 1;
    for (const opt of opts) {
      const m = /^-p(\d+)$/.exec(opt);
      if (!m) throw new UserError(`${origin}:${index + 1}: unknown option "${opt}" after ${file}. quilt series lines are "<patch> [-pN]".`);
      strip = Number(m[1]);
    }
    out.push({ file: file!, strip, line: index + 1 });
  });
  return out;
}

/** Paths a unified diff touches, with `strip` leading components removed. */
export function touchedFiles(diff: string, strip: number): string[] {
  const files = new Set<string>();
  for (const m of diff.matchAll(/^(?:---|\+\+\+) (\S+)/gm)) {
    const p = m[1]!;
    if (p === '/dev/null') continue;
    const parts = p.split('/');
    if (parts.length <= strip) continue;
    files.add(parts.slice(strip).join('/'));
  }
  return [...files].sort();
}

export function seriesNames(dir = PATCH_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'series')))
    .sort();
}

/**
 * Load a series by name (a directory under patches/) or by path (anything with a "/", so a
 * series kept outside the repo, or a test fixture, can be used as it is).
 */
export function loadSeries(nameOrPath: string, dir = PATCH_DIR): Series {
  const byPath = nameOrPath.includes('/');
  const seriesDir = byPath ? resolve(nameOrPath) : join(dir, nameOrPath);
  const name = byPath ? basename(seriesDir) : nameOrPath;
  const seriesFile = join(seriesDir, 'series');
  if (!existsSync(seriesFile)) {
    const known = seriesNames(dir);
    throw new UserError(
      `Patch series "${name}" not found: ${seriesFile} does not exist. ` +
        `A series is a directory under ${dir} with a quilt "series" file listing its patches in order. ` +
        `Known series: ${known.length ? known.join(', ') : '(none)'}; use --series none for the unpatched tree only.`,
    );
  }
  const lines = parseSeriesFile(readFileSync(seriesFile, 'utf8'), seriesFile);
  if (lines.length === 0) throw new UserError(`${seriesFile} lists no patches. Add one patch file name per line.`);
  const patches = lines.map(({ file, strip, line }) => {
    const path = join(seriesDir, file);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new UserError(`${seriesFile}:${line}: patch "${file}" is listed but ${path} does not exist.`);
    }
    const text = readFileSync(path, 'utf8');
    const touches = touchedFiles(text, strip);
    if (touches.length === 0) throw new UserError(`${path} (listed in ${seriesFile}:${line}) contains no unified diff: no "--- a/…" / "+++ b/…" headers.`);
    return { file, path, strip, sha256: sha256(text), touches };
  });
  return { name, dir: seriesDir, patches, hash: seriesHash(patches) };
}

/**
 * Stack series into one variant, applied left to right: "arm64-early-cma-reserve+cma-dynamic-areas"
 * is the 5.9-era arm64 order with the CMA patch on top.
 */
export function loadStackedSeries(spec: string, dir = PATCH_DIR): Series {
  const parts = spec.split('+').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new UserError(`"${spec}" names no series. Use a series name, several joined by "+", or none.`);
  if (parts.length === 1) return loadSeries(parts[0]!, dir);
  const loaded = parts.map((p) => loadSeries(p, dir));
  const patches = loaded.flatMap((s) => s.patches);
  return {
    name: loaded.map((s) => s.name).join('+'),
    dir: loaded[0]!.dir,
    patches,
    hash: seriesHash(patches),
  };
}
