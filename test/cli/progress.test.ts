import t from 'tap';
import { liveLines, plainLine } from '../../harness/cli/progress.ts';

t.test('CI gets one plain line per event', async (t) => {
  t.match(plainLine({ type: 'build-start', arch: 'arm', variant: 'baseline' }), /^\d\d:\d\d:\d\d build  arm\/baseline started$/);
  t.match(plainLine({ type: 'boot-start', job: { id: 'arm-baseline-default', arch: 'arm', variant: 'baseline', profile: 'default' } }), /boot   arm-baseline-default started$/);
});

t.test('the live view shows each row with its state and, while running, its elapsed time', async (t) => {
  const lines = liveLines(
    [
      { name: 'build arm64/baseline', state: 'building', since: 0, done: false },
      { name: 'arm64-baseline-numa2', state: 'pass 1.9s', since: 0, done: true },
    ],
    65_000,
  );
  t.match(lines[0], /^build arm64\/baseline\s+building 1m05s$/);
  t.match(lines[1], /^arm64-baseline-numa2\s+pass 1\.9s$/);
});
