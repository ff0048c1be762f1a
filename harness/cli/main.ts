/**
 * The bootlab command line: parse the arguments against the command's options, load and run
 * the command, turn an error a user can fix into its message and exit code. The exit codes
 * themselves are decided by results/exit.ts (for runs) and util/errors.ts (for errors).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ARCH_NAMES } from '../arch.ts';
import { installSignalHandlers } from '../util/children.ts';
import { EXIT, isReportable, UserError } from '../util/errors.ts';
import { COMMANDS } from './commands.ts';
import { describeCommand, describeError, describeUsage } from './printer.ts';

export async function main(argv: readonly string[]): Promise<number> {
  installSignalHandlers();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(describeUsage(COMMANDS, ARCH_NAMES));
    return name === undefined ? EXIT.userError : EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (!command) throw new UserError(`Unknown command "${name}". bootlab knows: ${Object.keys(COMMANDS).join(', ')}.`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(describeCommand(name, command));
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
    process.stderr.write(describeError(error));
    return error.exitCode;
  }
}
