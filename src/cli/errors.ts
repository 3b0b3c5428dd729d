/**
 * Errors a user can act on. main.ts prints their message alone (no stack trace) and exits with their code;
 * anything else is a bug or an API failure and is printed as an error too, but with exit code 1.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}

/** The command makes no sense for the rollout's current state (promote a Healthy rollout, retry one not aborted). */
export class RefusedError extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = "RefusedError";
  }
}
