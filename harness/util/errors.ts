/**
 * The three ways bootlab can fail, each with its own exit code.
 * A UserError is something the user can fix (bad input, missing package): exit 2.
 * An InfraError is the machine failing us (disk full, QEMU died): exit 3.
 * Anything else is a bug in bootlab and surfaces with its stack.
 */
/** bootlab's exit codes; results/exit.ts says when a run ends in 0, 1 or 3. */
export const EXIT = { ok: 0, failed: 1, userError: 2, infrastructure: 3 } as const;

export class UserError extends Error {
  readonly exitCode = EXIT.userError;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

export class InfraError extends Error {
  readonly exitCode = EXIT.infrastructure;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfraError';
  }
}

export function isReportable(error: unknown): error is UserError | InfraError {
  return error instanceof UserError || error instanceof InfraError;
}
