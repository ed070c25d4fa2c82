/**
 * An error in how the CLI was called (a bad flag value, a missing file, a config that fails
 * validation). The CLI prints its message alone, without a stack, and exits with code 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
