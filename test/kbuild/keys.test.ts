import t from 'tap';
import { buildDirFor, configHash, firstErrors } from '../../harness/kbuild/build.ts';
import { fragmentsFor } from '../../harness/kbuild/schedule.ts';
import { parseKconfig, type Fragment } from '../../harness/kbuild/kconfig.ts';

const variant = { name: 'baseline', tree: '/cache/src/abc/linux-source-6.1' };

t.test('the config hash is stable and follows arch, fragment order and fragment text', async (t) => {
  const frags = fragmentsFor('arm64');
  t.equal(configHash('arm64', frags), configHash('arm64', fragmentsFor('arm64')));
  t.not(configHash('arm64', frags), configHash('arm', frags), 'arch is part of the key');
  t.not(configHash('arm64', frags), configHash('arm64', [...frags].reverse()), 'merge order is part of the key');
  const edited: Fragment[] = frags.map((f, i) => (i === 1 ? { ...f, text: `${f.text}CONFIG_X=y\n`, values: parseKconfig(`${f.text}CONFIG_X=y\n`) } : f));
  t.not(configHash('arm64', frags), configHash('arm64', edited), 'fragment content is part of the key');
});

t.test('a build directory sits directly inside its variant tree, named by arch and config', async (t) => {
  const dir = buildDirFor({ arch: 'mips', variant, fragments: fragmentsFor('mips') });
  t.match(dir, /^\/cache\/src\/abc\/linux-source-6\.1\/bootlab-mips-[0-9a-f]{12}$/);
  t.not(dir, buildDirFor({ arch: 'mips', variant: { name: 'x', tree: '/cache/variants/abc-x-123' }, fragments: fragmentsFor('mips') }));
});

t.test('the first compiler error lines are pulled out of a build log', async (t) => {
  const log = '  CC      mm/cma.o\n../mm/cma.c:40:1: error: unknown type name \'foo\'\n   40 | foo x;\nmake[2]: *** [../scripts/Makefile.build:250: mm/cma.o] Error 1\n';
  t.same(firstErrors(log, 2), ["../mm/cma.c:40:1: error: unknown type name 'foo'", '   40 | foo x;']);
  t.same(firstErrors('a\nb\n\n', 5), ['a', 'b'], 'without an error line, the tail of the log');
});
