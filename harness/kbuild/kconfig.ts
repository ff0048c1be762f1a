/**
 * Kconfig fragments: parsing, the check that every requested symbol stuck, and the
 * explanation of why one did not. merge_config.sh silently drops symbols whose
 * dependencies are unmet, so the final .config is always checked against the request.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.ts';
import { REPO_ROOT } from '../util/paths.ts';

/** A symbol's requested value: 'y', 'm', a number or string as written, or 'n' for "is not set". */
export type KconfigValues = ReadonlyMap<string, string>;

export interface Fragment {
  readonly name: string;
  readonly path: string;
  readonly text: string;
  readonly values: KconfigValues;
}

const SET = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const UNSET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

/** Parse .config or fragment text. Lines that are neither assignments nor "is not set" are comments. */
export function parseKconfig(text: string, origin = 'fragment'): Map<string, string> {
  const values = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    const set = SET.exec(line);
    const unset = UNSET.exec(line);
    if (set) values.set(set[1]!, set[2]!);
    else if (unset) values.set(unset[1]!, 'n');
    else if (line !== '' && !line.startsWith('#')) {
      throw new UserError(
        `${origin}:${index + 1}: "${line}" is not a Kconfig line. ` +
          'Write CONFIG_FOO=y, CONFIG_FOO=123, CONFIG_FOO="text" or "# CONFIG_FOO is not set".',
      );
    }
  });
  return values;
}

export const FRAGMENT_DIR = join(REPO_ROOT, 'configs', 'kconfig');

export function fragmentNames(dir = FRAGMENT_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.config'))
    .map((f) => f.slice(0, -'.config'.length))
    .sort();
}

export function loadFragment(name: string, dir = FRAGMENT_DIR): Fragment {
  const path = join(dir, `${name}.config`);
  if (!existsSync(path)) {
    throw new UserError(
      `Kconfig fragment "${name}" not found: there is no ${path}. ` +
        `Known fragments: ${fragmentNames(dir).join(', ')}.`,
    );
  }
  const text = readFileSync(path, 'utf8');
  return { name, path, text, values: parseKconfig(text, path) };
}

/** Whether a built kernel's .config has CONFIG_NUMA=y: a NUMA profile needs it. */
export function configHasNuma(configPath: string): boolean {
  return parseKconfig(readFileSync(configPath, 'utf8'), configPath).get('CONFIG_NUMA') === 'y';
}

/** Later fragments override earlier ones, as merge_config.sh does. */
export function mergeRequests(fragments: readonly Fragment[]): Map<string, { value: string; fragment: string }> {
  const merged = new Map<string, { value: string; fragment: string }>();
  for (const f of fragments) for (const [sym, value] of f.values) merged.set(sym, { value, fragment: f.name });
  return merged;
}

export interface Mismatch {
  readonly symbol: string;
  readonly requested: string;
  readonly actual: string;
  readonly fragment: string;
}

/** Every requested symbol whose final value differs. A missing line counts as "n". */
export function findMismatches(
  requests: ReadonlyMap<string, { value: string; fragment: string }>,
  finalConfig: KconfigValues,
): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [symbol, { value, fragment }] of requests) {
    const actual = finalConfig.get(symbol) ?? 'n';
    if (normalize(actual) !== normalize(value)) out.push({ symbol, requested: value, actual, fragment });
  }
  return out;
}

function normalize(value: string): string {
  return value.replace(/^"(.*)"$/, '$1');
}

/**
 * Find the Kconfig entry that defines a symbol and return its "depends on" lines, so the
 * error can say why the symbol did not stick. Searches the arch's Kconfig tree and the
 * common directories; returns undefined when no Kconfig defines it (removed or misspelt).
 */
export function describeSymbol(srcTree: string, linuxArch: string, symbol: string): { defined: boolean; depends: string[] } {
  const name = symbol.replace(/^CONFIG_/, '');
  const header = new RegExp(`^\\s*(menu)?config\\s+${name}\\s*$`);
  let defined = false;
  const depends: string[] = [];
  for (const file of kconfigFiles(srcTree, linuxArch)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!header.test(lines[i]!)) continue;
      defined = true;
      for (let j = i + 1; j < lines.length; j++) {
        const line = lines[j]!;
        if (/^\s*(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|source)\b/.test(line)) break;
        const dep = /^\s*depends on\s+(.*)$/.exec(line);
        if (dep) depends.push(dep[1]!.trim());
      }
    }
  }
  return { defined, depends };
}

function* kconfigFiles(srcTree: string, linuxArch: string): Generator<string> {
  const roots = readdirSync(srcTree)
    .filter((d) => d !== 'arch' && d !== 'Documentation' && d !== 'tools' && !d.startsWith('.') && !d.startsWith('bootlab-'))
    .map((d) => join(srcTree, d));
  roots.push(join(srcTree, 'arch', linuxArch));
  const stack = roots;
  while (stack.length > 0) {
    const path = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(path, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.startsWith('Kconfig')) yield p;
    }
  }
  if (existsSync(join(srcTree, 'arch', 'Kconfig'))) yield join(srcTree, 'arch', 'Kconfig');
}

export function formatMismatch(m: Mismatch, info: { defined: boolean; depends: string[] }): string {
  const want = m.requested === 'n' ? 'unset' : `${m.symbol}=${m.requested}`;
  const got = m.actual === 'n' ? 'not set' : `got ${m.actual}`;
  const why = !info.defined
    ? 'no Kconfig in this tree defines it for this arch'
    : info.depends.length > 0
      ? `depends on ${info.depends.join(' && ')}`
      : 'its dependencies or a select/choice overrode it';
  return `${want} requested (fragment ${m.fragment}), ${got}: ${why}`;
}
