/** bootlab setup: install the Debian packages that are missing. */
import { ensurePackages } from '../../setup/install.ts';
import { EXIT } from '../../util/errors.ts';
import { describeSetup } from '../printer.ts';

export async function run(): Promise<number> {
  process.stdout.write(describeSetup(await ensurePackages()));
  return EXIT.ok;
}
