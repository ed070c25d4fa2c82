/**
 * MinAtar Breakout (Young & Tian 2019, "MinAtar: An Atari-Inspired Testbed for Thorough and
 * Reproducible Reinforcement Learning Experiments", https://arxiv.org/abs/1903.03176, section 3 and
 * appendix), implemented from the paper's rules:
 *
 * "The player controls a paddle on the bottom of the screen and must bounce a ball to break 3 rows of
 * bricks along the top of the screen. A reward of +1 is given for each brick broken by the ball. When
 * all bricks are cleared another 3 rows are added. The ball travels only along diagonals; when it hits
 * the paddle it is bounced either to the left or right depending on the side of the paddle hit; when it
 * hits a wall or brick it is reflected. Termination occurs when the ball hits the bottom of the screen."
 *
 * The grid is 10x10 with 4 binary channels (paddle, ball, trail: the ball's previous cell, brick),
 * observed as float32 [10, 10, 4] (row, column, channel). The ball starts in row 3 at the left or right
 * wall moving down and away from it; the paddle in row 9, column 4; bricks fill rows 1-3. Actions are
 * MinAtar's minimal set for Breakout: 0 no-op, 1 left, 2 right. Sticky actions with probability 0.1
 * (the paper's default: the previous action repeats). No time limit in the paper; `maxEpisodeSteps`
 * defaults to 10,000 here so that an episode always ends.
 */
import type { Env, EnvSpec, ResetOptions, ResetResult, StepResult } from '../env.js';
import type { SeededRng } from '../rng.js';
import { Box } from '../spaces/box.js';
import { describeValue } from '../spaces/describe-value.js';
import { Discrete } from '../spaces/discrete.js';
import { type BuiltinEnvOptions, readEnvOptions } from './env-options.js';
import { EpisodeClock } from './episode-clock.js';

const NAME = 'MinAtarBreakoutEnv';
const SIZE = 10;
/** Channels of the observation, in order. */
export const BREAKOUT_CHANNELS = ['paddle', 'ball', 'trail', 'brick'] as const;
const C = BREAKOUT_CHANNELS.length;
/** The paper's sticky-action probability (section 3). */
const STICKY_ACTION_PROB = 0.1;

/** Ball directions: 0 up-left, 1 up-right, 2 down-right, 3 down-left (dx, dy with y growing down). */
const DX = [-1, 1, 1, -1] as const;
const DY = [-1, -1, 1, 1] as const;
/** Reflections: off a side wall (dx flips), off the top/a brick/the paddle's centre (dy flips), off a paddle edge (both). */
const FLIP_X = [1, 0, 3, 2] as const;
const FLIP_Y = [3, 2, 1, 0] as const;
const FLIP_XY = [2, 3, 0, 1] as const;

/** Options of {@link MinAtarBreakoutEnv}. */
export interface MinAtarBreakoutOptions extends BuiltinEnvOptions {
  /** Probability that the previous action repeats instead of the chosen one. @default 0.1 */
  stickyActionProb?: number;
}

/** The env's mutable state. */
interface BreakoutState {
  ballX: number;
  ballY: number;
  ballDir: number;
  lastX: number;
  lastY: number;
  paddle: number;
  /** [10 * 10] row-major, 1 = brick. */
  bricks: Uint8Array;
  /** A brick was struck on the previous step (the ball passes through a second one at once). */
  strike: boolean;
  lastAction: number;
  terminated: boolean;
}

/** MinAtar Breakout (see the module comment). */
export class MinAtarBreakoutEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box({ low: 0, high: 1, shape: [SIZE, SIZE, C], dtype: 'float32' });
  readonly actionSpace = new Discrete(3);
  readonly spec: EnvSpec;
  private readonly clock: EpisodeClock;
  private readonly stickyActionProb: number;
  private rng: SeededRng | undefined;
  private s: BreakoutState | undefined;

  /** @throws TypeError naming the option when `options` is invalid. */
  constructor(options?: MinAtarBreakoutOptions) {
    const resolved = readEnvOptions(NAME, options, { stickyActionProb: 'number' }, 10_000);
    const sticky = resolved.fields['stickyActionProb'] ?? STICKY_ACTION_PROB;
    if (typeof sticky !== 'number' || !(sticky >= 0 && sticky < 1)) {
      throw new TypeError(`${NAME}: options.stickyActionProb (${describeValue(sticky)}) must be in [0, 1).`);
    }
    this.stickyActionProb = sticky;
    this.clock = new EpisodeClock(NAME, resolved.maxEpisodeSteps);
    this.spec = { id: 'MinAtar/Breakout-v1', maxEpisodeSteps: resolved.maxEpisodeSteps };
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.rng = this.clock.beginEpisode(options?.seed);
    const fromLeft = this.rng.next() < 0.5;
    const bricks = new Uint8Array(SIZE * SIZE);
    bricks.fill(1, SIZE, 4 * SIZE);
    const ballX = fromLeft ? 0 : SIZE - 1;
    this.s = {
      ballX,
      ballY: 3,
      ballDir: fromLeft ? 2 : 3,
      lastX: ballX,
      lastY: 3,
      paddle: 4,
      bricks,
      strike: false,
      lastAction: 0,
      terminated: false,
    };
    return { obs: this.observe(), info: {} };
  }

  /** @throws RangeError on an action outside 0-2; Error before the first reset. */
  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1 && action !== 2) {
      throw new RangeError(
        `${NAME}.step: action (${describeValue(action)}) must be 0 (no-op), 1 (left) or 2 (right).`,
      );
    }
    const s = this.s;
    if (s === undefined || this.rng === undefined) throw new Error(`${NAME}.step: call reset() first.`);
    const truncated = this.clock.tick();
    if (s.terminated) return { obs: this.observe(), reward: 0, terminated: true, truncated, info: {} };
    const a = this.rng.next() < this.stickyActionProb ? s.lastAction : action;
    s.lastAction = a;
    const reward = advance(s, a);
    return { obs: this.observe(), reward, terminated: s.terminated, truncated, info: {} };
  }

  close(): void {
    // Nothing to release.
  }

  /** The observation [10, 10, 4] of the current state. */
  private observe(): Float32Array {
    const s = this.s!;
    const obs = new Float32Array(SIZE * SIZE * C);
    const at = (y: number, x: number, c: number) => (y * SIZE + x) * C + c;
    obs[at(SIZE - 1, s.paddle, 0)] = 1;
    obs[at(s.ballY, s.ballX, 1)] = 1;
    obs[at(s.lastY, s.lastX, 2)] = 1;
    for (let i = 0; i < SIZE * SIZE; i++) if (s.bricks[i] === 1) obs[i * C + 3] = 1;
    return obs;
  }
}

/** One step of the rules with action `a` (0 no-op, 1 left, 2 right); returns the reward. */
export function advance(s: BreakoutState, a: number): number {
  if (a === 1) s.paddle = Math.max(0, s.paddle - 1);
  else if (a === 2) s.paddle = Math.min(SIZE - 1, s.paddle + 1);
  s.lastX = s.ballX;
  s.lastY = s.ballY;
  let x = s.ballX + DX[s.ballDir as 0]!;
  let y = s.ballY + DY[s.ballDir as 0]!;
  let reward = 0;
  let struck = false;
  if (x < 0 || x > SIZE - 1) {
    // A side wall reflects the horizontal motion.
    x = Math.min(SIZE - 1, Math.max(0, x));
    s.ballDir = FLIP_X[s.ballDir as 0]!;
  }
  if (y < 0) {
    y = 0;
    s.ballDir = FLIP_Y[s.ballDir as 0]!;
  } else if (s.bricks[y * SIZE + x] === 1) {
    // A brick breaks (+1) and reflects the ball; the ball stays in its row this step.
    struck = true;
    if (!s.strike) {
      reward += 1;
      s.strike = true;
      s.bricks[y * SIZE + x] = 0;
      y = s.lastY;
      s.ballDir = FLIP_Y[s.ballDir as 0]!;
    }
  } else if (y === SIZE - 1) {
    // The bottom row: new bricks once the wall is cleared, then the paddle bounces or the ball is lost.
    if (!s.bricks.includes(1)) s.bricks.fill(1, SIZE, 4 * SIZE);
    if (s.ballX === s.paddle) {
      s.ballDir = FLIP_Y[s.ballDir as 0]!;
      y = s.lastY;
    } else if (x === s.paddle) {
      s.ballDir = FLIP_XY[s.ballDir as 0]!;
      y = s.lastY;
    } else {
      s.terminated = true;
    }
  }
  if (!struck) s.strike = false;
  s.ballX = x;
  s.ballY = y;
  return reward;
}

/** A fresh state for tests: ball at (x, y) moving `dir`, paddle at `paddle`, bricks in rows 1-3. */
export function breakoutState(ballX: number, ballY: number, ballDir: number, paddle: number): BreakoutState {
  const bricks = new Uint8Array(SIZE * SIZE);
  bricks.fill(1, SIZE, 4 * SIZE);
  return {
    ballX,
    ballY,
    ballDir,
    lastX: ballX,
    lastY: ballY,
    paddle,
    bricks,
    strike: false,
    lastAction: 0,
    terminated: false,
  };
}
