// bootlab runs compiled: harness/ is bundled by esbuild into dist/ (one chunk per command, so a
// command loads only what it uses), and dist/manifest.json records every source file the bundle
// was made from with its mtime and size. Each start checks them (a stat per file, about 2 ms)
// and compiles again when one changed: the setup step compiles once, an edited source is never
// run stale, and there is one way of running, whoever starts bootlab.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const MANIFEST = join(DIST, 'manifest.json');
const ENTRY = 'harness/cli/main.ts';
/** A build another bootlab may still be loading chunks from is kept this long after it is replaced. */
const KEEP_OLD_BUILDS_MS = 24 * 3600 * 1000;

/** @typedef {{ entry: string, inputs: Record<string, [number, number]> }} Manifest */

/** @returns {string} "mtime:size" of a file, or "" when it is gone. */
function identity(file) {
  try {
    const st = statSync(join(ROOT, file));
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return '';
  }
}

/** @returns {Manifest | undefined} the manifest when every input is as it was compiled. */
function current() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  for (const [file, [mtime, size]] of Object.entries(manifest.inputs)) {
    if (identity(file) !== `${mtime}:${size}`) return undefined;
  }
  return existsSync(join(DIST, manifest.entry)) ? manifest : undefined;
}

/**
 * Compile harness/ into a new dist/build-* directory and point the manifest at it; again when
 * a source changed while esbuild ran (`tries` bounds it for a file dated in the future).
 */
export async function compile(tries = 3) {
  const { build } = await import('esbuild');
  mkdirSync(DIST, { recursive: true });
  const startedMs = Date.now();
  const name = `build-${startedMs}-${process.pid}`;
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: ENTRY },
    outdir: join(DIST, name),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
  });
  /** @type {Record<string, [number, number]>} */
  const inputs = {};
  // esbuild reads tsconfig.json too; a source saved while it ran may not be in the output.
  for (const file of [...Object.keys(result.metafile.inputs), 'tsconfig.json']) {
    const st = statSync(join(ROOT, file));
    if (st.mtimeMs >= startedMs && tries > 1) {
      rmSync(join(DIST, name), { recursive: true, force: true });
      return compile(tries - 1);
    }
    inputs[file] = [st.mtimeMs, st.size];
  }
  const tmp = `${MANIFEST}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ entry: `${name}/main.js`, inputs }, null, 1)}\n`);
  renameSync(tmp, MANIFEST);
  for (const old of readdirSync(DIST)) {
    if (!old.startsWith('build-') || old === name) continue;
    const started = Number(old.split('-')[1]);
    if (Date.now() - started > KEEP_OLD_BUILDS_MS) rmSync(join(DIST, old), { recursive: true, force: true });
  }
  return join(DIST, name, 'main.js');
}

/** The compiled entry point, compiled first when a source is newer than it. */
export async function compiledMain() {
  const manifest = current();
  return manifest ? join(DIST, manifest.entry) : compile();
}
