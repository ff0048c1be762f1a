import t from 'tap';
import { join } from 'node:path';
import { ARCHES, ARCH_NAMES } from '../../harness/arch.ts';
import { UserError } from '../../harness/util/errors.ts';
import {
  FRAGMENT_DIR,
  findMismatches,
  formatMismatch,
  fragmentNames,
  loadFragment,
  mergeRequests,
  parseKconfig,
  type Fragment,
} from '../../harness/kbuild/kconfig.ts';

const frag = (name: string, text: string): Fragment => ({ name, path: `/x/${name}.config`, text, values: parseKconfig(text) });

t.test('a fragment parses into symbol values, "is not set" as n, comments ignored', async (t) => {
  const values = parseKconfig('# comment\nCONFIG_CMA=y\nCONFIG_CMA_AREAS=7\nCONFIG_CMDLINE="a b"\n# CONFIG_NUMA is not set\n\n');
  t.same([...values], [
    ['CONFIG_CMA', 'y'],
    ['CONFIG_CMA_AREAS', '7'],
    ['CONFIG_CMDLINE', '"a b"'],
    ['CONFIG_NUMA', 'n'],
  ]);
});

t.test('a line that is not Kconfig is a user error naming the file and line', async (t) => {
  t.throws(() => parseKconfig('CONFIG_CMA=y\nCMA=y\n', 'configs/kconfig/bad.config'), {
    name: 'UserError',
    message: /configs\/kconfig\/bad\.config:2: "CMA=y" is not a Kconfig line/,
  });
});

t.test('later fragments override earlier ones, as merge_config.sh does', async (t) => {
  const merged = mergeRequests([frag('a', 'CONFIG_CMA_AREAS=19\nCONFIG_CMA=y\n'), frag('b', 'CONFIG_CMA_AREAS=7\n')]);
  t.same(merged.get('CONFIG_CMA_AREAS'), { value: '7', fragment: 'b' });
  t.same(merged.get('CONFIG_CMA'), { value: 'y', fragment: 'a' });
});

t.test('every requested symbol that did not stick is a mismatch; a missing line means n', async (t) => {
  const requests = mergeRequests([frag('numa', 'CONFIG_NUMA=y\nCONFIG_CMA=y\n# CONFIG_SWAP is not set\nCONFIG_CMA_AREAS=7\n')]);
  const final = parseKconfig('CONFIG_CMA=y\nCONFIG_CMA_AREAS=7\n');
  t.same(findMismatches(requests, final), [{ symbol: 'CONFIG_NUMA', requested: 'y', actual: 'n', fragment: 'numa' }]);
  t.same(findMismatches(requests, parseKconfig('CONFIG_NUMA=y\nCONFIG_CMA=y\nCONFIG_CMA_AREAS=8\nCONFIG_SWAP=y\n')), [
    { symbol: 'CONFIG_SWAP', requested: 'n', actual: 'y', fragment: 'numa' },
    { symbol: 'CONFIG_CMA_AREAS', requested: '7', actual: '8', fragment: 'numa' },
  ]);
});

t.test('a mismatch message says what was asked, what came out and why', async (t) => {
  const m = { symbol: 'CONFIG_NUMA', requested: 'y', actual: 'n', fragment: 'numa' };
  t.equal(formatMismatch(m, { defined: true, depends: ['ARCH_SUPPORTS_NUMA'] }), 'CONFIG_NUMA=y requested (fragment numa), not set: depends on ARCH_SUPPORTS_NUMA');
  t.equal(formatMismatch(m, { defined: false, depends: [] }), 'CONFIG_NUMA=y requested (fragment numa), not set: no Kconfig in this tree defines it for this arch');
});

t.test('every committed fragment parses, and every arch has its base and default fragments', async (t) => {
  for (const name of fragmentNames()) t.ok(loadFragment(name).values.size > 0, `${name} requests something`);
  for (const arch of ARCH_NAMES) {
    for (const name of [ARCHES[arch].baseFragment, ...ARCHES[arch].defaultFragments, ...ARCHES[arch].debugFragments]) {
      t.doesNotThrow(() => loadFragment(name), `${arch}: ${name}`);
    }
  }
  t.equal(loadFragment('cma-areas-7').values.get('CONFIG_CMA_AREAS'), '7');
});

t.test('an unknown fragment is a user error listing the known ones', async (t) => {
  const error = t.throws(() => loadFragment('no-such-fragment')) as UserError;
  t.type(error, UserError);
  t.match(error.message, join(FRAGMENT_DIR, 'no-such-fragment.config'));
  t.match(error.message, /Known fragments: .*cma-debugfs/);
});

t.test('every arch lists only debug fragments that exist, and only those its 6.1 kernel has', async (t) => {
  const known = fragmentNames();
  for (const arch of ARCH_NAMES) for (const f of ARCHES[arch].debugFragments) t.ok(known.includes(f), `${arch}: ${f}.config exists`);
  // HAVE_ARCH_KASAN and HAVE_ARCH_KFENCE: arm64 and arm in 6.1, not mips.
  t.same(ARCH_NAMES.filter((a) => (ARCHES[a].debugFragments as readonly string[]).includes('debug-kasan')), ['arm64', 'arm']);
  t.same(ARCH_NAMES.filter((a) => (ARCHES[a].debugFragments as readonly string[]).includes('debug-kfence')), ['arm64', 'arm']);
  t.ok(ARCH_NAMES.every((a) => (ARCHES[a].debugFragments as readonly string[]).includes('debug-locking')), 'lockdep everywhere');
});
