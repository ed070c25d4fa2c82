/**
 * A custom environment written in TypeScript, as a user of tsrl would write one: "reach the target"
 * on a line. The agent starts at a random position in [-1, 1] and must get within `goalRadius` of a
 * random target by moving left, staying or moving right by `stepSize` each step.
 *
 * - Observation: Box([-1, -2], [1, 2]) float32, `[position, target - position]` (the offset to the
 *   target, which is what the policy needs: an observation designed for the task learns faster).
 * - Action: Discrete(3): 0 = left, 1 = stay, 2 = right.
 * - Reward: -0.01 per step (a time cost), +1 on the step that reaches the target.
 * - `terminated` when the agent is within `goalRadius` of the target (a true terminal state of the
 *   task: nothing follows it, so a learner must not bootstrap from it);
 *   `truncated` after `maxEpisodeSteps` steps without reaching it (an outside cut: the task would go
 *   on, so a learner bootstraps from the final observation). Never both.
 * - Seeding: `reset({ seed })` restarts the random source, so the same seed gives the same episode;
 *   `reset()` without a seed continues the stream (as Gymnasium's `Env.reset`).
 *
 * Returns: an optimal policy scores 1 - 0.01 * (steps to the target), about 0.93 on average (the mean
 * start-target distance is 2/3, so about 7 steps); one that never arrives scores -0.01 * maxEpisodeSteps
 * (-0.25); a uniformly random policy about 0.07 (it arrives in about 27% of episodes; 2,000 simulated
 * episodes, seeds 0-1999).
 *
 * Check it: `rl env check ./dist/examples/custom-env-ts/target-env.js:TargetEnv` (see README.md).
 */
import { didYouMean } from '../../envs/did-you-mean.js';
import type { Env, EnvSpec, ResetOptions, ResetResult, StepResult } from '../../envs/env.js';
import { SeededRng } from '../../envs/rng.js';
import { Box } from '../../envs/spaces/box.js';
import { Discrete } from '../../envs/spaces/discrete.js';

/** Options of {@link TargetEnv}, given in a config as `env.options`. */
export interface TargetEnvOptions {
  /** Episodes are truncated after this many steps (20 suffice from anywhere to anywhere). @default 25 */
  maxEpisodeSteps?: number;
  /** Distance moved by a left/right action. @default 0.1 */
  stepSize?: number;
  /** The target counts as reached within this distance. @default 0.05 */
  goalRadius?: number;
}

const DEFAULTS: Required<TargetEnvOptions> = { maxEpisodeSteps: 25, stepSize: 0.1, goalRadius: 0.05 };
const STEP_REWARD = -0.01;
const GOAL_REWARD = 1;
/** The action's movement direction, by action index. */
const DIRECTIONS = [-1, 0, 1] as const;

/** Reach a target on the line [-1, 1] with left/stay/right actions. */
export class TargetEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box({ low: [-1, -2], high: [1, 2], dtype: 'float32' });
  readonly actionSpace = new Discrete(3);
  readonly spec: EnvSpec;
  readonly stepSize: number;
  readonly goalRadius: number;
  private readonly maxEpisodeSteps: number;
  private rng = SeededRng.fromSeed(SeededRng.randomSeed());
  private position = 0;
  private target = 0;
  private elapsedSteps = 0;
  /** 'idle' before the first reset, 'running' during an episode, 'done' once it ended. */
  private phase: 'idle' | 'running' | 'done' = 'idle';

  /** @throws TypeError naming the option when `options` has an unknown key or a bad value. */
  constructor(options: unknown = {}) {
    const o = readOptions(options);
    this.maxEpisodeSteps = o.maxEpisodeSteps;
    this.stepSize = o.stepSize;
    this.goalRadius = o.goalRadius;
    // The best return is at most 1 - 0.01 (one step); 0.9 is about 90% of optimal on average.
    this.spec = { id: 'TargetEnv-v0', maxEpisodeSteps: o.maxEpisodeSteps, rewardThreshold: 0.9 };
  }

  /**
   * Starts an episode at a random position and target at least `goalRadius` apart.
   * @throws TypeError when `seed` is given and is not a safe integer.
   */
  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    if (options.seed !== undefined) {
      if (!Number.isSafeInteger(options.seed)) {
        throw new TypeError(`TargetEnv.reset: seed (${String(options.seed)}) must be a safe integer.`);
      }
      this.rng = SeededRng.fromSeed(options.seed);
    }
    do {
      this.position = this.rng.uniform(-1, 1);
      this.target = this.rng.uniform(-1, 1);
    } while (Math.abs(this.position - this.target) <= this.goalRadius);
    this.elapsedSteps = 0;
    this.phase = 'running';
    return { obs: this.observe(), info: { distance: Math.abs(this.position - this.target) } };
  }

  /**
   * Moves by the action and reports whether the target was reached (terminated) or time ran out
   * (truncated).
   * @throws Error when called before `reset` or after the episode ended; RangeError for an action
   *   outside Discrete(3).
   */
  step(action: number): StepResult<Float32Array> {
    if (this.phase !== 'running') {
      throw new Error(
        `TargetEnv.step: ${this.phase === 'idle' ? 'call reset() before step()' : 'the episode ended; call reset()'}.`,
      );
    }
    const direction = DIRECTIONS[action];
    if (!Number.isInteger(action) || direction === undefined) {
      throw new RangeError(
        `TargetEnv.step: action (${String(action)}) must be 0 (left), 1 (stay) or 2 (right).`,
      );
    }
    this.position = Math.min(1, Math.max(-1, this.position + direction * this.stepSize));
    this.elapsedSteps += 1;
    const distance = Math.abs(this.position - this.target);
    const terminated = distance <= this.goalRadius;
    const truncated = !terminated && this.elapsedSteps >= this.maxEpisodeSteps;
    if (terminated || truncated) this.phase = 'done';
    const reward = STEP_REWARD + (terminated ? GOAL_REWARD : 0);
    return { obs: this.observe(), reward, terminated, truncated, info: { distance } };
  }

  close(): void {
    this.phase = 'idle';
  }

  private observe(): Float32Array {
    return Float32Array.of(this.position, this.target - this.position);
  }
}

/** Validates constructor options (they come from a YAML config, so they are untyped). */
function readOptions(options: unknown): Required<TargetEnvOptions> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`TargetEnv: options must be an object, got ${JSON.stringify(options)}.`);
  }
  const resolved = { ...DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === 'maxEpisodeSteps') {
      if (!Number.isSafeInteger(value) || (value as number) < 1) {
        throw new TypeError(
          `TargetEnv: options.maxEpisodeSteps (${JSON.stringify(value)}) must be a positive integer.`,
        );
      }
      resolved.maxEpisodeSteps = value as number;
    } else if (key === 'stepSize' || key === 'goalRadius') {
      if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
        throw new TypeError(
          `TargetEnv: options.${key} (${JSON.stringify(value)}) must be a number in (0, 1].`,
        );
      }
      resolved[key] = value;
    } else {
      const guess = didYouMean(key, Object.keys(DEFAULTS));
      throw new TypeError(
        `TargetEnv: unknown option '${key}'${guess === undefined ? '' : ` (did you mean '${guess}'?)`}; ` +
          'expected maxEpisodeSteps, stepSize or goalRadius.',
      );
    }
  }
  return resolved;
}
