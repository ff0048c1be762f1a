/** `node --import tsx harness/setup/main.ts`: what scripts/bootstrap.sh runs after npm ci. */
import { isReportable } from '../util/errors.ts';
import { ensurePackages } from './install.ts';

try {
  const installed = await ensurePackages();
  if (installed.length > 0) process.stderr.write(`bootlab setup: installed ${installed.join(' ')}\n`);
} catch (error) {
  if (!isReportable(error)) throw error;
  process.stderr.write(`bootlab: ${error.message}\n`);
  process.exit(error.exitCode);
}
