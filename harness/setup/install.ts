/**
 * Idempotent machine setup: install the Debian packages that are missing, nothing else.
 * Run by scripts/bootstrap.sh before `npm start` and `npm test`, and by `bootlab setup`.
 */
import { $, type ProcessOutput, type ProcessPromise } from 'zx';
import { forgetChild, trackChild } from '../util/children.ts';
import { UserError } from '../util/errors.ts';
import { aptLine } from '../util/tools.ts';
import { PACKAGE_NAMES } from './packages.ts';

$.verbose = false;
$.quiet = true;
// Its own process group, tracked like every child bootlab starts: SIGINT or SIGTERM kills
// apt-get and dpkg with bootlab.
$.detached = true;

async function tracked(p: ProcessPromise): Promise<ProcessOutput> {
  const pid = p.pid;
  if (pid !== undefined) trackChild(pid);
  try {
    return await p.nothrow();
  } finally {
    if (pid !== undefined) forgetChild(pid);
  }
}

export async function missingPackages(names: readonly string[] = PACKAGE_NAMES): Promise<string[]> {
  const r = await tracked($`dpkg-query -W -f=${'${Package} ${Status}\n'} ${names}`);
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.endsWith(' install ok installed'))
      .map((l) => l.split(' ')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

export async function ensurePackages(): Promise<string[]> {
  const missing = await missingPackages();
  if (missing.length === 0) return [];
  const haveApt = (await tracked($`command -v apt-get`)).exitCode === 0;
  if (!haveApt || process.getuid?.() !== 0) {
    throw new UserError(
      `bootlab needs Debian packages that are not installed: ${missing.join(', ')}. ` +
        (haveApt ? 'Setup installs them only when run as root. ' : 'This machine has no apt-get. ') +
        `Run: ${aptLine(missing)}`,
    );
  }
  process.stderr.write(`bootlab setup: installing ${missing.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await tracked($({ env })`apt-get update -qq`);
  if (update.exitCode !== 0) process.stderr.write(`apt-get update failed, trying the install anyway:\n${update.stderr}\n`);
  const install = await tracked($({ env })`apt-get install -y -qq --no-install-recommends ${missing}`);
  if (install.exitCode !== 0) {
    throw new UserError(`apt-get could not install ${missing.join(' ')}:\n${install.stderr.trim().split('\n').slice(-5).join('\n')}\nRun by hand: ${aptLine(missing)}`);
  }
  const still = await missingPackages();
  if (still.length > 0) throw new UserError(`apt-get finished but ${still.join(', ')} are still not installed. Run by hand: ${aptLine(still)}`);
  return missing;
}
