import t from 'tap';
import type { BootRecord } from '../../harness/results/model.ts';
import { formatTally, isFlaky, signatureOf, tallyOf } from '../../harness/results/tally.ts';
import type { CrashReport } from '../../harness/crash/types.ts';

const crash = (title: string): CrashReport => ({ kind: 'paging-request', title, header: title, corrupted: false, frames: [], registers: {}, startLine: 1, endLine: 2, excerpt: [] });
const boot = (signature: string, asExpected: boolean): BootRecord => ({ verdict: 'pass', signature, asExpected, reason: '', console: 'c' });

t.test('a boot signs with its verdict, its first crash title, or how it hung', async (t) => {
  t.equal(signatureOf({ verdict: 'pass', crashes: [] }), 'pass');
  t.equal(signatureOf({ verdict: 'crash', crashes: [crash('BUG: X in f'), crash('WARNING: Y in g')] }), 'crash "BUG: X in f"');
  t.equal(signatureOf({ verdict: 'crash', crashes: [] }), 'crash');
  t.equal(signatureOf({ verdict: 'hang', crashes: [], stopReason: 'stuck' }), 'hang (stuck vCPU)');
  t.equal(signatureOf({ verdict: 'hang', crashes: [], stopReason: 'inactivity' }), 'hang (silent console)');
  t.equal(signatureOf({ verdict: 'infra-error', crashes: [] }), 'infra-error');
});

t.test('the tally counts boots by signature, most first, and reads as a kernel developer writes it', async (t) => {
  const tally = tallyOf([boot('pass', true), boot('hang (stuck vCPU)', false), boot('pass', true), boot('pass', true)]);
  t.same(tally, [{ signature: 'pass', count: 3, asExpected: true }, { signature: 'hang (stuck vCPU)', count: 1, asExpected: false }]);
  t.equal(formatTally(tally), 'pass 3/4, hang (stuck vCPU) 1/4');
  t.equal(formatTally(tallyOf(Array.from({ length: 10 }, () => boot('crash "BUG: unable to handle kernel paging request in cma_init_reserved_mem"', true)))), 'crash "BUG: unable to handle kernel paging request in cma_init_reserved_mem" 10/10');
});

t.test('flaky means one real ending did what was expected and another did not', async (t) => {
  t.equal(isFlaky(tallyOf([boot('hang (silent console)', false), boot('pass', true)])), true);
  t.equal(isFlaky(tallyOf([boot('crash "A"', false), boot('hang (stuck vCPU)', false)])), false, 'failing twice, two ways, is a failure, not flakiness');
  t.equal(isFlaky(tallyOf([boot('infra-error', false), boot('pass', true)])), false, 'the machine failing is not the kernel being flaky');
  t.equal(isFlaky(tallyOf([boot('pass', true)])), false);
});
