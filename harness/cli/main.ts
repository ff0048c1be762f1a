/**
 * The bootlab command line. Parses arguments, runs one command, maps errors to exit codes:
 * 0 all as expected, 1 a failure of the thing under test, 2 user error, 3 infrastructure.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ARCH_NAMES } from '../arch.ts';
import { isReportable, UserError } from '../util/errors.ts';
import { installSignalHandlers } from '../util/proc.ts';
import { buildCommand } from '../commands/build.ts';
import { bootCommand } from '../commands/boot.ts';
import { setupCommand } from '../commands/setup.ts';
import { reportCommand } from '../commands/report.ts';
import { reproCommand, runCommand } from '../commands/run.ts';
import { validateCommand } from '../commands/validate.ts';
import { mergeCommand } from '../commands/merge.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly default?: string | boolean;
  readonly multiple?: boolean;
  readonly description: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Usage text for positional arguments; absent when the command takes none. */
  readonly positionals?: string;
  run(values: OptionValues, positionals: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  build: buildCommand,
  boot: bootCommand,
  run: runCommand,
  repro: reproCommand,
  validate: validateCommand,
  merge: mergeCommand,
  setup: setupCommand,
  report: reportCommand,
};

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
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UserError(`Unknown command "${name}". bootlab knows: ${Object.keys(COMMANDS).join(', ')}.`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${commandHelp(name, command)}\n`);
      return 0;
    }
    let parsed;
    try {
      const options = Object.fromEntries(
        Object.entries(command.options).map(([k, { description: _, ...o }]) => [k, o]),
      ) as ParseArgsConfig['options'];
      parsed = parseArgs({ args: [...rest], options, allowPositionals: command.positionals !== undefined, strict: true });
    } catch (error) {
      throw new UserError(`bootlab ${name}: ${(error as Error).message}. Run "bootlab ${name} --help" for its options.`, { cause: error });
    }
    return await command.run(parsed.values, parsed.positionals);
  } catch (error) {
    if (!isReportable(error)) throw error;
    process.stderr.write(`bootlab: ${error.message}\n`);
    return error.exitCode;
  }
}

