/** bootlab setup: install the Debian packages that are missing. */
import { ensurePackages } from '../../setup/install.ts';

export async function run(): Promise<number> {
  const installed = await ensurePackages();
  process.stdout.write(installed.length ? `installed: ${installed.join(' ')}\n` : 'all packages present\n');
  return 0;
}
