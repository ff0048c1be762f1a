/**
 * The bootlab command line: parse the arguments against the command's options, load and run
 * the command, turn an error a user can fix into its message and exit code. The exit codes
 * themselves are decided by results/exit.ts (for runs) and util/errors.ts (for errors).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ARCH_NAMES } from '../arch.ts';
import { installSignalHandlers } from '../util/children.ts';
import { EXIT, isReportable, UserError } from '../util/errors.ts';
import type { Command } from './command.ts';
import { COMMANDS } from './commands.ts';

function usage(): string {
  const lines = ['usage: bootlab <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', `arches: ${ARCH_NAMES.join(', ')}`, 'Run "bootlab <command> --help" for its options.');
  return lines.join('\n');
}

function commandHelp(name: string, c: Command): string {
  const lines = [`usage: bootlab ${name} [options]${c.positionals ? ` ${c.positionals}` : ''}`, '', c.summary, ''];
  for (const [opt, spec] of Object.entries(c.options)) {
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : '';
    lines.push(`  --${opt}${spec.type === 'string' ? ' VALUE' : ''}`.padEnd(26) + spec.description + def);
  }
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  installSignalHandlers();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT.userError : EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (!command) throw new UserError(`Unknown command "${name}". bootlab knows: ${Object.keys(COMMANDS).join(', ')}.`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${commandHelp(name, command)}\n`);
      return EXIT.ok;
    }
    let parsed;
    try {
      const options = Object.fromEntries(Object.entries(command.options).map(([k, { description: _, ...o }]) => [k, o])) as ParseArgsConfig['options'];
      parsed = parseArgs({ args: [...rest], options, allowPositionals: command.positionals !== undefined, strict: true });
    } catch (error) {
      throw new UserError(`bootlab ${name}: ${(error as Error).message}. Run "bootlab ${name} --help" for its options.`, { cause: error });
    }
    const implementation = await command.load();
    return await implementation.run(parsed.values, parsed.positionals);
  } catch (error) {
    if (!isReportable(error)) throw error;
    process.stderr.write(`bootlab: ${error.message}\n`);
    return error.exitCode;
  }
}
