/**
 * The three ways bootlab can fail, each with its own exit code.
 * A UserError is something the user can fix (bad input, missing package): exit 2.
 * An InfraError is the machine failing us (disk full, QEMU died): exit 3.
 * Anything else is a bug in bootlab and surfaces with its stack.
 */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

export class InfraError extends Error {
  readonly exitCode = 3;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfraError';
  }
}

export function isReportable(error: unknown): error is UserError | InfraError {
  return error instanceof UserError || error instanceof InfraError;
}
