/**
 * Validation of the constructor options of the built-in envs. Options arrive from configs and the
 * CLI as untyped data, so every field is checked and unknown fields are errors (with a suggestion).
 */
import { didYouMean } from '../did-you-mean.js';
import { describeValue as describe } from '../spaces/describe-value.js';

/** Options every built-in env accepts. */
export interface BuiltinEnvOptions {
  /**
   * Episodes are truncated after this many steps (as the `TimeLimit` wrapper `gymnasium.make` adds);
   * `null` disables the limit. @default the step count of Gymnasium's registration of the id
   */
  maxEpisodeSteps?: number | null;
}

/** The kind of each env-specific option field, for {@link readEnvOptions}. */
export type OptionKinds = Readonly<Record<string, 'number' | 'boolean' | 'render-mode'>>;

/** Options after validation: the fields given (typed by their kind) and the resolved step limit. */
export interface ResolvedEnvOptions {
  /** The step limit, undefined when there is none. */
  maxEpisodeSteps: number | undefined;
  /** The env-specific fields that were given, already checked against their kind. */
  fields: Readonly<Record<string, number | boolean | string>>;
}

/**
 * Checks `options` (untyped) for the env `envName`: known fields only, each of its kind, numbers finite,
 * `maxEpisodeSteps` a positive integer or null.
 * @throws TypeError naming the env, the field, the value and what was expected.
 */
export function readEnvOptions(
  envName: string,
  options: unknown,
  kinds: OptionKinds,
  defaultMaxEpisodeSteps: number,
): ResolvedEnvOptions {
  if (options === undefined) return { maxEpisodeSteps: defaultMaxEpisodeSteps, fields: {} };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${envName}: options must be an object, got ${describe(options)}.`);
  }
  const fields: Record<string, number | boolean | string> = {};
  let maxEpisodeSteps: number | undefined = defaultMaxEpisodeSteps;
  const known = ['maxEpisodeSteps', ...Object.keys(kinds)];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === 'maxEpisodeSteps') {
      if (value === null) maxEpisodeSteps = undefined;
      else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1)
        maxEpisodeSteps = value;
      else {
        throw new TypeError(
          `${envName}: options.maxEpisodeSteps (${describe(value)}) must be a positive integer, or null for no limit.`,
        );
      }
      continue;
    }
    const kind = kinds[key];
    if (kind === undefined) {
      const guess = didYouMean(key, known);
      throw new TypeError(
        `${envName}: unknown option '${key}'${guess === undefined ? '' : ` (did you mean '${guess}'?)`}; ` +
          `known options: ${known.join(', ')}.`,
      );
    }
    if (kind === 'render-mode') {
      // Gymnasium's render_mode; only rgb_array (frames as pixels) exists here.
      if (value !== 'rgb_array' && value !== null)
        throw new TypeError(`${envName}: options.${key} (${describe(value)}) must be 'rgb_array' or null.`);
      if (value === 'rgb_array') fields[key] = value;
      continue;
    }
    if (
      kind === 'number' ? typeof value !== 'number' || !Number.isFinite(value) : typeof value !== 'boolean'
    ) {
      throw new TypeError(
        `${envName}: options.${key} (${describe(value)}) must be a ${kind === 'number' ? 'finite number' : 'boolean'}.`,
      );
    }
    fields[key] = value as number | boolean;
  }
  return { maxEpisodeSteps, fields };
}
