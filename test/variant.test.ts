import t from 'tap';
import { ARCHES } from '../harness/arch.ts';
import { UserError } from '../harness/util/errors.ts';
import { baselineOf, configFragments, isBaseline, parseVariant, variantName, withBaselines, type KernelVariant } from '../harness/variant.ts';
import type { Series } from '../harness/source/series.ts';

const series = (name: string): Series => ({ name, dir: `/p/${name}`, patches: [], hash: 'h' });

t.test('a variant is a series and a kernel config: <series>[@<config>]', async (t) => {
  t.same(parseVariant('baseline', 'x'), { name: 'baseline', config: 'default', configGiven: false });
  t.same(parseVariant('cma-dynamic-areas', 'x'), { name: 'cma-dynamic-areas', series: 'cma-dynamic-areas', config: 'default', configGiven: false });
  t.same(parseVariant('baseline@debug', 'x'), { name: 'baseline@debug', config: 'debug', configGiven: true });
  t.same(parseVariant('a+b@debug', 'x'), { name: 'a+b@debug', series: 'a+b', config: 'debug', configGiven: true });
  t.same(parseVariant('test/fixtures/series/bug-zoo@debug', 'x').series, 'test/fixtures/series/bug-zoo', 'a series directory takes the suffix too');
  t.same(parseVariant('/home/me@work/series/x', 'x').series, '/home/me@work/series/x', 'an "@" inside a path is not a config suffix');
});

t.test('names are written one way: no suffix for the default config', async (t) => {
  t.equal(variantName(undefined, 'default'), 'baseline');
  t.equal(variantName(undefined, 'debug'), 'baseline@debug');
  t.equal(variantName('bug-zoo', 'debug'), 'bug-zoo@debug');
  t.equal(variantName('a+b', 'default'), 'a+b');
});

t.test('each variant is compared with, and built from, the baseline of its own config', async (t) => {
  t.equal(baselineOf('cma-dynamic-areas'), 'baseline');
  t.equal(baselineOf('bug-zoo@debug'), 'baseline@debug');
  t.equal(baselineOf('baseline@debug'), 'baseline@debug');
  t.ok(isBaseline('baseline') && isBaseline('baseline@debug'));
  t.notOk(isBaseline('bug-zoo@debug'));
  t.notOk(isBaseline('prebuilt'), 'a kernel given with --kernel is no baseline');
});

t.test('a bad variant is a user error naming where it was written and what to write', async (t) => {
  const unknown = t.throws(() => parseVariant('baseline@kasan', 'configs/x.json: groups[0].variants[1]')) as UserError;
  t.type(unknown, UserError);
  t.match(unknown.message, /^configs\/x\.json: groups\[0\]\.variants\[1\]: "baseline@kasan" asks for the kernel config "kasan", which bootlab does not have\./);
  t.match(unknown.message, /A variant is <series>\[@<config>\]/);
  t.match(unknown.message, /Use one of "baseline@debug" or "baseline"\.$/);
  t.throws(() => parseVariant('@debug', '--series'), { name: 'UserError', message: /^--series: "@debug" names no series before "@"\..* Write "baseline@debug" for the unpatched tree\.$/ });
  t.throws(() => parseVariant('x@', '--series'), { name: 'UserError', message: /asks for the kernel config ""/ });
  t.throws(() => parseVariant('x@default', '--series'), { name: 'UserError', message: /"x@default": the default config has no suffix\..* Write "x"\.$/ });
});

t.test('the debug config is the default fragments, then the arch debug fragments', async (t) => {
  t.same(configFragments(ARCHES.arm64, 'default'), ARCHES.arm64.defaultFragments);
  t.same(configFragments(ARCHES.arm64, 'debug'), [...ARCHES.arm64.defaultFragments, ...ARCHES.arm64.debugFragments]);
  t.same(configFragments(ARCHES.mips, 'debug', ['cma']), ['cma', ...ARCHES.mips.debugFragments], '--fragments replaces the defaults, not the debug fragments');
});

t.test('build and boot take the baseline of every config their variants use', async (t) => {
  const names = (vs: KernelVariant[]): string[] => vs.map((v) => v.name);
  t.same(names(withBaselines([])), ['baseline']);
  t.same(names(withBaselines([{ name: 'x', config: 'default', series: series('x') }])), ['baseline', 'x']);
  t.same(names(withBaselines([{ name: 'bug-zoo@debug', config: 'debug', series: series('bug-zoo') }])), ['baseline@debug', 'bug-zoo@debug'], 'no default baseline for a debug variant alone');
  t.same(names(withBaselines([{ name: 'baseline@debug', config: 'debug' }, { name: 'x', config: 'default', series: series('x') }])), ['baseline@debug', 'baseline', 'x']);
});
