/**
 * Errors that stop a run. Everything else (a bad page, a corrupt image) is data: it is
 * recorded with a reason in the store and the run goes on.
 *
 * Each error carries a stable code, a hint for the user and the exit code it maps to.
 * The CLI's one top-level catch prints `error E_CODE: message` and `hint: ...`.
 */

/** Exit codes, as DESIGN.md fixes them. */
export const EXIT = {
  ok: 0,
  runtime: 1,
  usage: 2,
  gate: 3,
  /** EX_TEMPFAIL: another run holds the data directory; busy, not failed (cron wrappers retry later). */
  busy: 75,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorCode =
  | 'E_USAGE' // a bad flag or argument
  | 'E_CONFIG' // a bad config file or value
  | 'E_LOCKED' // another run holds the data directory
  | 'E_STORE' // the SQLite store cannot be opened or migrated
  | 'E_IO' // a file or directory cannot be read or written
  | 'E_BACKEND' // no TensorFlow.js backend could be loaded
  | 'E_NO_DATA' // the stage has nothing to work on (e.g. shard before filter)
  | 'E_GATE' // a quality gate failed
  | 'E_INTERRUPTED' // Ctrl-C
  | 'E_RUNTIME'; // anything else that stops a run

const EXIT_BY_CODE: Record<ErrorCode, ExitCode> = {
  E_USAGE: EXIT.usage,
  E_CONFIG: EXIT.usage,
  E_LOCKED: EXIT.busy,
  E_STORE: EXIT.runtime,
  E_IO: EXIT.runtime,
  E_BACKEND: EXIT.runtime,
  E_NO_DATA: EXIT.runtime,
  E_GATE: EXIT.gate,
  E_INTERRUPTED: EXIT.interrupted,
  E_RUNTIME: EXIT.runtime,
};

export class AlignError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AlignError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = EXIT_BY_CODE[code];
  }
}

export function usageError(message: string, hint?: string): AlignError {
  return new AlignError('E_USAGE', message, { hint: hint ?? 'run with --help to see the options' });
}

export function configError(message: string, hint?: string): AlignError {
  return new AlignError('E_CONFIG', message, {
    hint: hint ?? 'see config.example.json for every option and its default',
  });
}

/** The message of anything thrown, for logs and stored reasons. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
