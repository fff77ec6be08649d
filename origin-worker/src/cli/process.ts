import { ApiError, type ErrorCode } from "@ytt/shared";

/**
 * What the operator tools share: how errors become exit codes, and how the tools leave. Checks outside
 * the repository read the exit codes, so they are part of the contract (README, "Tools for operators").
 */

export const EXIT_OK = 0;
/** A permanent error: bad arguments or configuration, or YouTube's definitive answer (no transcript...). */
export const EXIT_PERMANENT = 1;
/** A retryable error: trying again later may work (blocked, timeout, internal). */
export const EXIT_RETRYABLE = 2;

/** Any failure as a catalogue error: ApiErrors as they are, anything else as `code` (by default our bug). */
export function asApiError(error: unknown, code: ErrorCode = "INTERNAL"): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(code, { message: String((error as Error)?.message ?? error).slice(0, 2000) });
}

export const exitCodeOf = (error: ApiError) => (error.retryable ? EXIT_RETRYABLE : EXIT_PERMANENT);

/**
 * Writes the last of stdout and ends the process. Exiting explicitly, once stdout has drained: the
 * upstream client's keep-alive sockets would otherwise hold the process open for seconds.
 */
export function exitWith(code: number, stdout = ""): Promise<never> {
  return new Promise(() => {
    process.stdout.write(stdout, () => process.exit(code));
  });
}

/** Relative paths are the caller's: `pnpm --filter` runs the tools in the package directory, and says where it was started. */
export const callerCwd = () => process.env.INIT_CWD ?? process.cwd();
