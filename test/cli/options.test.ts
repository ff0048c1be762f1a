import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arches, list, positiveInteger, seconds, shard } from '../../harness/cli/options.ts';

t.test('each parser names the option it parses in its error', async (t) => {
  t.throws(() => positiveInteger({ parallel: 'x' }, 'parallel'), { name: 'UserError', message: '--parallel expects a positive integer, got "x".' });
  t.throws(() => positiveInteger({ jobs: '0' }, 'jobs'), { name: 'UserError', message: '--jobs expects a positive integer, got "0".' });
  t.throws(() => seconds({ inactivity: '-3' }, 'inactivity'), { name: 'UserError', message: '--inactivity expects a positive number of seconds, got "-3".' });
  t.throws(() => seconds({ timeout: 'soon' }, 'timeout'), { message: /^--timeout / });
  t.throws(() => shard({ shard: '3/2' }, 'shard'), { name: 'UserError', message: /^--shard expects K\/N with 1 <= K <= N/ });
  t.throws(() => arches({ arch: 'arm64,x86' }, 'arch'), { name: 'UserError', message: /^--arch: unknown architecture "x86"\. bootlab knows arm64, arm, mips\./ });
});

t.test('values are read as the command uses them; an absent option is undefined', async (t) => {
  t.equal(positiveInteger({ parallel: '3' }, 'parallel'), 3);
  t.equal(positiveInteger({}, 'parallel'), undefined);
  t.equal(seconds({ inactivity: '1.5' }, 'inactivity'), 1500);
  t.same(shard({ shard: '2/3' }, 'shard'), [2, 3]);
  t.same(list({ profile: 'a, b,,c' }, 'profile'), ['a', 'b', 'c']);
  t.same(arches({ arch: 'mips,arm64,mips' }, 'arch'), ['mips', 'arm64'], 'in the order given, once each');
});

t.test('every command that runs jobs reads its profiles from --profiles, or from configs/profiles.json', async (t) => {
  const { profilesOf } = await import('../../harness/cli/run-matrix.ts');
  const { COMMANDS } = await import('../../harness/cli/commands.ts');
  for (const name of ['boot', 'run', 'repro', 'validate']) t.ok(COMMANDS[name]!.options.profiles, `${name} takes --profiles`);
  t.ok(profilesOf({}).has('default'), 'the default file');
  const dir = mkdtempSync(join(tmpdir(), 'bootlab-profiles-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'zoo.json');
  writeFileSync(file, JSON.stringify({ 'zoo-warn': { description: 'a warning', cmdline: ['bootlab.bug=warn'] } }));
  t.same([...profilesOf({ profiles: file }).keys()], ['zoo-warn'], 'only the file given');
  t.throws(() => profilesOf({ profiles: join(dir, 'nope.json') }), { name: 'UserError', message: /nope\.json does not exist/ });
});
