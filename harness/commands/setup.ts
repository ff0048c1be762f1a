import type { Command } from '../cli/main.ts';

export const setupCommand: Command = {
  summary: 'install the Debian packages bootlab needs (only the missing ones)',
  options: {},
  async run() {
    // Loaded here: zx costs every other command 0.2 s of start-up.
    const { ensurePackages } = await import('../setup/install.ts');
    const installed = await ensurePackages();
    process.stdout.write(installed.length ? `installed: ${installed.join(' ')}\n` : 'all packages present\n');
    return 0;
  },
};
