/**
 * Option values as commands use them, each parser told the option it reads so that its
 * error names it: `--parallel expects a positive integer, got "x"`. Parsed once, at the edge.
 */
import { parseArchList, type ArchName } from '../arch.ts';
import { loadStackedSeries } from '../source/series.ts';
import { parseVariant, variantName, type KernelVariant } from '../variant.ts';
import { UserError } from '../util/errors.ts';
import { commaList } from '../util/lists.ts';
import type { OptionValues } from './command.ts';

export function string(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A comma-separated list ("a, b,,c" gives a, b, c); undefined when the option is absent. */
export function list(values: OptionValues, name: string): string[] | undefined {
  const v = string(values, name);
  return v === undefined ? undefined : commaList(v);
}

export function positiveInteger(values: OptionValues, name: string): number | undefined {
  const v = string(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} expects a positive integer, got "${v}".`);
  return n;
}

/** A positive number of seconds, in milliseconds. */
export function seconds(values: OptionValues, name: string): number | undefined {
  const v = string(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--${name} expects a positive number of seconds, got "${v}".`);
  return n * 1000;
}

export function arches(values: OptionValues, name: string): ArchName[] | undefined {
  const v = string(values, name);
  return v === undefined ? undefined : parseArchList(v, `--${name}`);
}

/**
 * Variants of --series: series names under patches/ or paths, comma-separated, "a+b"
 * stacking b on a, each with an optional config suffix ("bug-zoo@debug", "baseline@debug");
 * "none" for none.
 */
export function variantList(values: OptionValues, name: string): KernelVariant[] {
  const v = string(values, name);
  if (v === undefined || v === 'none') return [];
  return commaList(v).map((text) => {
    const spec = parseVariant(text, `--${name}`);
    if (spec.series === undefined) return { name: spec.name, config: spec.config };
    const series = loadStackedSeries(spec.series);
    return { name: variantName(series.name, spec.config), config: spec.config, series };
  });
}

/** K/N: the K-th of N deterministic slices of a matrix. */
export function shard(values: OptionValues, name: string): [number, number] | undefined {
  const v = string(values, name);
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || k < 1 || k > n) throw new UserError(`--${name} expects K/N with 1 <= K <= N, e.g. 1/2; got "${v}".`);
  return [k, n];
}
