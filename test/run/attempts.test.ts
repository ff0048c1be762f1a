import t from 'tap';
import { bootAgain, reportedBoot, reportedRepeat, type Judged } from '../../harness/run/attempts.ts';

const pass: Judged = { verdict: 'pass', ok: true };
const hang: Judged = { verdict: 'hang', ok: false };
const crash: Judged = { verdict: 'crash', ok: false };
const infra: Judged = { verdict: 'infra-error', ok: false };

t.test('a boot that does what is expected is booted once', async (t) => {
  t.equal(bootAgain([], 1), true, 'the first boot');
  t.equal(bootAgain([pass], 0), false);
});

t.test('an unexpected real verdict is confirmed by one more boot, whatever the retries', async (t) => {
  t.equal(bootAgain([hang], 0), true, 'retries 0 still confirms');
  t.equal(bootAgain([hang, hang], 5), false, 'confirmed: done');
  t.equal(bootAgain([hang, pass], 1), false);
  t.equal(bootAgain([infra, hang], 1), true, 'a real verdict after an infra-error is still confirmed');
  t.equal(bootAgain([infra, hang, hang], 1), false);
});

t.test('an infra-error is booted again up to the retries; the confirmation has its own count', async (t) => {
  t.equal(bootAgain([infra], 1), true);
  t.equal(bootAgain([infra, infra], 1), false, 'one retry spent');
  t.equal(bootAgain([infra], 0), false);
  t.equal(bootAgain([hang, infra], 1), true, 'the confirmation lost to the machine is tried again');
  t.equal(bootAgain([hang, infra, infra], 1), false);
});

t.test('the record reports the last real boot: an infra-error after it does not hide what the kernel did', async (t) => {
  t.equal(reportedBoot([hang, infra, infra]), 0);
  t.equal(reportedBoot([infra, hang]), 1);
  t.equal(reportedBoot([infra, infra]), 1, 'nothing real: the last');
});

t.test('a repeated job reports its first boot that did not do what was expected, so one bad boot in ten fails it', async (t) => {
  t.equal(reportedRepeat([pass, hang, pass, crash]), 1);
  t.equal(reportedRepeat([pass, infra, pass]), 2, 'an infra-error is not a failure of the kernel');
  t.equal(reportedRepeat([infra, infra]), 1);
});
