import type { Command } from '../cli.ts';
import { ensurePackages } from '../setup/install.ts';

export const setupCommand: Command = {
  summary: 'install the Debian packages bootlab needs (only the missing ones)',
  options: {},
  async run() {
    const installed = await ensurePackages();
    process.stdout.write(installed.length ? `installed: ${installed.join(' ')}\n` : 'all packages present\n');
    return 0;
  },
};
