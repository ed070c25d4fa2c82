/**
 * Retrying a runner call with rebuilds in between: waits 1 s, 2 s, 4 s ... (at most 15 s) before each
 * rebuild and gives up `windowMs` after the first failure in a row. The env-runner group uses it so
 * that a remote env server that restarts within the window is reconnected to.
 */
import { createLogger } from '../../core/logger.js';

const log = createLogger('env-runners');

/** Longest wait between two rebuilds. */
const MAX_BACKOFF_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An error as `Name: message`, for log lines. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Options of {@link retryWithBackoff}. */
export interface RetryOptions {
  /** What is retried, for messages (`env runner 0`). */
  readonly what: string;
  /** How long after the first failure in a row rebuilds go on. */
  readonly windowMs: number;
  /** The first wait, doubled per failure in a row up to 15 s. */
  readonly backoffMs: number;
  /** The number of the next restart, for the log line. */
  readonly restartNumber: () => number;
}

/**
 * Runs `attempt`; on failure waits, runs `rebuild` and tries again, until `windowMs` after the first
 * failure. A failing rebuild counts as a failure (the next attempt fails on the broken runner).
 * @throws Error naming the window and the last error, once the window is over.
 */
export async function retryWithBackoff<T>(
  options: RetryOptions,
  attempt: () => Promise<T>,
  rebuild: () => Promise<void>,
): Promise<T> {
  const { what, windowMs } = options;
  let firstFailureMs: number | undefined;
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      const now = performance.now();
      firstFailureMs ??= now;
      const delayMs = Math.min(MAX_BACKOFF_MS, options.backoffMs * 2 ** failures);
      if (now + delayMs - firstFailureMs > windowMs) {
        const seconds = ((now - firstFailureMs) / 1000).toFixed(0);
        throw new Error(
          `${what} failed ${failures + 1} times in ${seconds} s (envRunners.restartWindowMs ${windowMs}); ` +
            `last error: ${describeError(error)}`,
          { cause: error },
        );
      }
      log.warn(
        `${what} failed (${describeError(error)}); rebuilding it in ${(delayMs / 1000).toFixed(1)} s ` +
          `(restart ${options.restartNumber()}).`,
      );
      await sleep(delayMs);
      try {
        await rebuild();
      } catch (rebuildError) {
        log.warn(`${what}: rebuild failed (${describeError(rebuildError)}).`);
      }
    }
  }
}
