/**
 * Variants: which kernel of an arch a job boots. A variant is a patch series (or none, the
 * baseline) and the kernel config it is built with, written `<series>[@<config>]`:
 *
 *   baseline               the tree as given, the arch's default fragments
 *   cma-dynamic-areas      a series under patches/ ("a+b" stacks b on a; --series takes paths)
 *   baseline@debug         the tree as given, default fragments plus the arch's debug fragments
 *   bug-zoo@debug          a series, built with the debug config
 *
 * Matrix files, --series, the build schedule, the runner and the comparison with a baseline
 * all read a variant through parseVariant, and each variant is compared with the baseline of
 * its own config. Pure.
 */
import type { ArchSpec } from './arch.ts';
import type { Series } from './source/series.ts';
import { UserError } from './util/errors.ts';

/** The series name of the unpatched tree. */
export const BASELINE = 'baseline';

/** A kernel config: what it builds with, on top of the arch's base fragment. */
export interface KernelConfig {
  /** What the config is for, in a kernel developer's words (error messages, --help). */
  readonly description: string;
  /** Its feature fragments in merge order, from the arch's record and its default fragments (which --fragments can replace). */
  readonly fragments: (arch: ArchSpec, defaults: readonly string[]) => readonly string[];
}

/** Every kernel config; `default` is the one a variant without a suffix has. */
export const KERNEL_CONFIGS = {
  default: { description: "the arch's default fragments", fragments: (_arch, defaults) => defaults },
  debug: {
    description: "the default fragments plus the arch's debug fragments: lockdep, KASAN, UBSAN, KFENCE, debug objects, list debugging, kmemleak and the lockup detectors, where the arch has them",
    fragments: (arch, defaults) => [...defaults, ...arch.debugFragments],
  },
} as const satisfies Record<string, KernelConfig>;

export type ConfigName = keyof typeof KERNEL_CONFIGS;
export const DEFAULT_CONFIG: ConfigName = 'default';

/** A variant name taken apart. */
export interface VariantSpec {
  /** The name jobs, builds and result files carry: "bug-zoo@debug", "baseline". */
  readonly name: string;
  /** The series spec ("a", "a+b", or a directory), undefined for the baseline. */
  readonly series?: string;
  readonly config: ConfigName;
  /** The name spelled its config out (`@debug`), rather than taking the default. */
  readonly configGiven: boolean;
}

/** A variant ready to build: its spec with the series loaded. */
export interface KernelVariant {
  readonly name: string;
  readonly config: ConfigName;
  readonly series?: Series;
}

const isConfigName = (name: string): name is ConfigName => Object.hasOwn(KERNEL_CONFIGS, name);

/** The name of a variant: "baseline", "a+b", "baseline@debug", "bug-zoo@debug". */
export function variantName(series: string | undefined, config: ConfigName): string {
  return `${series ?? BASELINE}${config === DEFAULT_CONFIG ? '' : `@${config}`}`;
}

/**
 * Take a variant name apart. `origin` names where it was written (a matrix field, an option)
 * for the error. The config suffix is what follows the last "@", unless that holds a "/" (a
 * series directory's path may contain an "@").
 */
export function parseVariant(text: string, origin: string): VariantSpec {
  const at = text.lastIndexOf('@');
  const suffixed = at >= 0 && !text.slice(at + 1).includes('/');
  const series = suffixed ? text.slice(0, at) : text;
  const config = suffixed ? text.slice(at + 1) : DEFAULT_CONFIG;
  const others = Object.keys(KERNEL_CONFIGS).filter((c) => c !== DEFAULT_CONFIG);
  const grammar =
    `A variant is <series>[@<config>]: "baseline" or a series (several joined by "+"), then optionally a kernel config. ` +
    `${others.map((c) => `"@${c}" builds with ${KERNEL_CONFIGS[c as ConfigName].description}.`).join(' ')} Without a suffix a variant builds with ${KERNEL_CONFIGS.default.description}.`;
  if (series === '') throw new UserError(`${origin}: "${text}" names no series before "@". ${grammar} Write "${variantName(undefined, isConfigName(config) ? config : DEFAULT_CONFIG)}" for the unpatched tree.`);
  if (!isConfigName(config)) {
    throw new UserError(`${origin}: "${text}" asks for the kernel config "${config}", which bootlab does not have. ${grammar} Use one of ${others.map((c) => `"${series}@${c}"`).join(', ')} or "${series}".`);
  }
  if (suffixed && config === DEFAULT_CONFIG) throw new UserError(`${origin}: "${text}": the default config has no suffix. ${grammar} Write "${series}".`);
  return { name: variantName(series === BASELINE ? undefined : series, config), ...(series === BASELINE ? {} : { series }), config, configGiven: suffixed };
}

export function isBaseline(variant: string): boolean {
  return parseVariant(variant, 'variant').series === undefined;
}

/** The variant a variant is compared with, and built from: the baseline of its config. */
export function baselineOf(variant: string): string {
  return variantName(undefined, parseVariant(variant, 'variant').config);
}

/** The feature fragments of a config on an arch; `defaults` replaces the arch's default fragments (bootlab build --fragments). */
export function configFragments(arch: ArchSpec, config: ConfigName, defaults: readonly string[] = arch.defaultFragments): readonly string[] {
  return KERNEL_CONFIGS[config].fragments(arch, defaults);
}

/**
 * The variants `bootlab build` and `bootlab boot` make of --series: the baseline of every
 * config the variants use (the default baseline when there are none), then the variants.
 */
export function withBaselines(variants: readonly KernelVariant[]): KernelVariant[] {
  const configs = variants.length === 0 ? [DEFAULT_CONFIG] : [...new Set(variants.map((v) => v.config))];
  const baselines = configs.map((config) => ({ name: variantName(undefined, config), config }));
  return [...baselines, ...variants.filter((v) => v.series !== undefined && !baselines.some((b) => b.name === v.name))];
}
