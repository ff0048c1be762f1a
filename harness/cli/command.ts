/** What a command is to the command line: its options, checked by node:util's parseArgs, and how to run it. */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly default?: string | boolean;
  readonly multiple?: boolean;
  readonly description: string;
}

export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** A command's implementation: the options as parsed, the positionals; resolves to the exit code. */
export interface CommandModule {
  run(values: OptionValues, positionals: readonly string[]): Promise<number>;
}

export interface Command {
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Usage text for positional arguments; absent when the command takes none. */
  readonly positionals?: string;
  /** The implementation, loaded only when the command runs: `--help` and start-up never pay for it. */
  load(): Promise<CommandModule>;
}
