/**
 * The vector-env contract: N copies of an env stepped together. Local (`SyncVectorEnv`) and remote
 * (`ZmqVectorEnv`, over the env protocol) implementations are interchangeable, so the contract is async.
 *
 * Observations are batched and flattened: row i of `obs` is `singleObservationSpace.flatten(obs_i)`,
 * shape [numEnvs, obsSize] stored row-major in one Float32Array.
 *
 * Autoreset (chosen once, here): an env whose episode ends in a step is reset within that same step.
 * Its row of `obs` is then the first observation of the new episode, its row of `finalObs` the last
 * observation of the ended episode, and `done[i]` tells which rows of `finalObs` are meaningful.
 * Nothing about episode ends travels in `infos`.
 */
import type { EnvSpec, Info, RgbFrame } from '../env.js';
import type { Space, SpaceValue } from '../spaces/space.js';

export interface VectorResetResult {
  /** [numEnvs, obsSize] */
  obs: Float32Array;
  infos: Info[];
}

export interface VectorStepResult {
  /** [numEnvs, obsSize]: after autoreset, the new episode's first observation where an episode ended. */
  obs: Float32Array;
  /** [numEnvs] */
  rewards: Float32Array;
  /** [numEnvs] 1 where the MDP reached a terminal state. */
  terminated: Uint8Array;
  /** [numEnvs] 1 where the episode was cut from outside (time limit). */
  truncated: Uint8Array;
  /** [numEnvs, obsSize]: the last observation of the ended episode, valid where terminated|truncated. */
  finalObs: Float32Array;
  infos: Info[];
}

export interface VectorEnv<A extends SpaceValue = SpaceValue> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space<A>;
  readonly spec: EnvSpec;
  /** Length of one flattened observation row. */
  readonly obsSize: number;
  /** Resets every env; env i is seeded with `seed + i` when a seed is given. */
  reset(options?: { seed?: number; options?: Record<string, unknown> }): Promise<VectorResetResult>;
  /** Steps env i with `actions[i]`. The returned arrays may be reused by the next call: copy to keep. */
  step(actions: readonly A[]): Promise<VectorStepResult>;
  close(): Promise<void>;
  /** `'rgb_array'` when {@link render} returns frames; undefined otherwise. */
  readonly renderMode?: string | undefined;
  /** The current frame of env `index` (after `reset`); present where the envs can render. */
  render?(index: number): Promise<RgbFrame>;
}
