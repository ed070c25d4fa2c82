/**
 * The error every config problem raises: it names the full path, the value, what was expected and,
 * when there is one, the fix: `training.numMinibatches (3) must divide the train batch (512); try 2, 4 or 8.`
 */

/** One problem with one config value. */
export interface ConfigIssue {
  /** Dotted path from the root, e.g. `training.numMinibatches` (`<root>` for the whole config). */
  readonly path: string;
  /** The offending value (undefined when the value is missing). */
  readonly value: unknown;
  /** What is wrong, as a predicate on the value: `must be an integer >= 1`. */
  readonly message: string;
  /** How to fix it, e.g. `try 2, 4 or 8` or `did you mean "wasm"?`. */
  readonly fix?: string;
}

/** Formats a value for a message: strings quoted, long values shortened. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The one-line message of an issue: `path (value) message; fix.` */
export function formatIssue(issue: ConfigIssue): string {
  const head =
    issue.value === undefined
      ? `${issue.path} ${issue.message}`
      : `${issue.path} (${formatValue(issue.value)}) ${issue.message}`;
  const fix = issue.fix === undefined ? '' : `; ${issue.fix}`;
  const text = `${head}${fix}`;
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/** A config value failed validation. `source` names where it came from (a file, `--set a=b`). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The problem, with its path and value. */
  readonly issue: ConfigIssue;
  /** Where the value came from: a file name, a `--set` argument, or undefined for defaults/code. */
  readonly source: string | undefined;

  constructor(issue: ConfigIssue, source?: string) {
    super(source === undefined ? formatIssue(issue) : `${source}: ${formatIssue(issue)}`);
    this.issue = issue;
    this.source = source;
  }

  /** The same error attributed to `source` (a file name or a `--set` argument). */
  withSource(source: string): ConfigError {
    return new ConfigError(this.issue, source);
  }
}
