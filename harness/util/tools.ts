/** Check that the programs a stage needs are on PATH before starting it, naming the package to install. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from './errors.ts';

/** The exact command a user without root should run to install Debian packages. */
export function aptLine(packages: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

export function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, program);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** `needs` maps a program to the Debian package that provides it. */
export function requireTools(needs: Readonly<Record<string, string>>, forWhat: string): void {
  const missing = Object.entries(needs).filter(([program]) => which(program) === undefined);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  throw new UserError(
    `${forWhat} needs ${missing.map(([p]) => p).join(', ')}, not found on PATH. ` +
      `Install ${packages.join(', ')}: ${aptLine(packages)} (or run "npm start"/"npm test", whose setup step installs them).`,
  );
}
