/**
 * SyncVectorEnv: N envs stepped one after another in this thread, behind the {@link VectorEnv}
 * contract (same-step autoreset, final observations in `finalObs`).
 *
 * The step loop allocates nothing of its own: observations are flattened straight into preallocated
 * output arrays, which every step reuses (copy what you keep). Besides the async contract methods,
 * `resetSync`/`stepSync` give the same results without a promise, for in-process runners and benchmarks.
 */
import { type Env, type EnvSpec, type EnvState, type Info, isStatefulEnv, type RgbFrame } from '../env.js';
import { findRenderingEnv } from '../rendering.js';
import { describeValue } from '../spaces/describe-value.js';
import type { Space, SpaceValue } from '../spaces/space.js';
import type { VectorEnv, VectorResetResult, VectorStepResult } from './vector-env.js';

/** An env, or a function that builds one (as Gymnasium's `env_fns`). */
export type EnvSource<A extends SpaceValue = SpaceValue> = Env<SpaceValue, A> | (() => Env<SpaceValue, A>);

/** Options of {@link VectorEnv.reset}. */
export interface VectorResetOptions {
  /** Env i is seeded with `seed + i`. */
  seed?: number;
  /** Passed to every env's reset. */
  options?: Record<string, unknown>;
}

/** An env of a vector env failed; `envIndex` says which one, `cause` holds the env's error. */
export class VectorEnvError extends Error {
  override readonly name = 'VectorEnvError';
  constructor(
    message: string,
    readonly envIndex: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The saved state of a {@link SyncVectorEnv}: its envs' states, in order, and whether it was reset. */
export interface SyncVectorEnvState {
  numEnvs: number;
  started: boolean;
  envs: EnvState[];
}

/**
 * N local envs behind the VectorEnv contract.
 *
 * State API (exact resume, used by the env runner's `getState`/`setState`): `getState` and `setState`
 * are present only when every env implements `StatefulEnv` (envs/env.ts; wrappers included), so that
 * their presence alone says the vector env can be restored exactly.
 */
export class SyncVectorEnv<A extends SpaceValue = SpaceValue> implements VectorEnv<A> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space<A>;
  readonly spec: EnvSpec;
  readonly obsSize: number;
  /** The envs, in order (env i is seeded with seed + i). */
  readonly envs: readonly Env<SpaceValue, A>[];
  /**
   * The vector env's state (every env's state, see `StatefulEnv`); undefined when some env has no state
   * API. The step outputs are not part of it: the caller keeps the observations it was given.
   */
  readonly getState?: () => SyncVectorEnvState;
  /**
   * Restores {@link getState}'s result into envs built the same way; undefined when some env has no state
   * API.
   * @throws TypeError naming the field (and the env index) when the state is malformed or for another
   *   number of envs.
   */
  readonly setState?: (state: unknown) => void;
  private readonly result: VectorStepResult;
  private started = false;
  private closed = false;

  /**
   * @param sources the envs or their factories (at least one); all must have the same spaces.
   * @throws TypeError when `sources` is empty, a factory fails (naming the index) or the envs' spaces
   *   differ (naming the index and both spaces).
   */
  constructor(sources: readonly EnvSource<A>[]) {
    if (!Array.isArray(sources) || sources.length === 0) {
      throw new TypeError(
        `SyncVectorEnv: needs at least one env or env factory, got ${describeValue(sources)}.`,
      );
    }
    this.envs = sources.map((source, i) => {
      if (typeof source !== 'function') return source;
      try {
        return source();
      } catch (e) {
        throw new VectorEnvError(`SyncVectorEnv: building env ${i} failed: ${errorMessage(e)}`, i, {
          cause: e,
        });
      }
    });
    const first = this.envs[0]!;
    const obsJson = JSON.stringify(first.observationSpace.toJson());
    const actJson = JSON.stringify(first.actionSpace.toJson());
    for (const [i, env] of this.envs.entries()) {
      const o = JSON.stringify(env.observationSpace.toJson());
      const a = JSON.stringify(env.actionSpace.toJson());
      if (o !== obsJson || a !== actJson) {
        const which = o !== obsJson ? 'observation' : 'action';
        throw new TypeError(
          `SyncVectorEnv: env ${i}'s ${which} space ${which === 'observation' ? o : a} differs from env 0's ` +
            `${which === 'observation' ? obsJson : actJson}; all envs of a vector env must have the same spaces.`,
        );
      }
    }
    this.numEnvs = this.envs.length;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.spec = first.spec;
    this.obsSize = first.observationSpace.flatSize;
    this.result = {
      obs: new Float32Array(this.numEnvs * this.obsSize),
      rewards: new Float32Array(this.numEnvs),
      terminated: new Uint8Array(this.numEnvs),
      truncated: new Uint8Array(this.numEnvs),
      finalObs: new Float32Array(this.numEnvs * this.obsSize),
      infos: Array.from({ length: this.numEnvs }, (): Info => ({})),
    };
    if (this.envs.every((env) => isStatefulEnv(env))) {
      this.getState = () => this.saveState();
      this.setState = (state) => this.restoreState(state);
    }
  }

  /** Resets every env (env i with `seed + i`). The returned `obs` is a fresh copy. */
  reset(options?: VectorResetOptions): Promise<VectorResetResult> {
    try {
      return Promise.resolve(this.resetSync(options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** {@link reset} without the promise. @throws VectorEnvError naming the env whose reset failed */
  resetSync(options: VectorResetOptions = {}): VectorResetResult {
    this.assertOpen('reset');
    const { seed } = options;
    if (seed !== undefined && !Number.isSafeInteger(seed)) {
      throw new TypeError(`SyncVectorEnv.reset: seed (${describeValue(seed)}) must be a safe integer.`);
    }
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      let reset: ReturnType<Env['reset']>;
      try {
        reset = env.reset({
          ...(seed === undefined ? {} : { seed: seed + i }),
          ...(options.options === undefined ? {} : { options: options.options }),
        });
      } catch (e) {
        throw new VectorEnvError(`SyncVectorEnv: env ${i} reset failed: ${errorMessage(e)}`, i, { cause: e });
      }
      this.flattenObs(reset.obs, this.result.obs, i, 'reset');
      infos.push(reset.info);
    }
    this.started = true;
    return { obs: this.result.obs.slice(), infos };
  }

  /** Steps env i with `actions[i]`, autoresetting envs whose episode ended (see vector-env.ts). */
  step(actions: readonly A[]): Promise<VectorStepResult> {
    try {
      return Promise.resolve(this.stepSync(actions));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * {@link step} without the promise. The returned object and its arrays are reused by the next step.
   * Where an episode ended, `infos[i]` is the final step's info (the new episode's reset info is dropped).
   * @throws Error before the first reset or after close; TypeError when `actions.length !== numEnvs`;
   *   VectorEnvError naming the env whose step or reset failed.
   */
  stepSync(actions: readonly A[]): VectorStepResult {
    this.assertOpen('step');
    if (!this.started) throw new Error('SyncVectorEnv.step: call reset() before step().');
    if (actions.length !== this.numEnvs) {
      throw new TypeError(`SyncVectorEnv.step: got ${actions.length} actions for ${this.numEnvs} envs.`);
    }
    const out = this.result;
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      let r: ReturnType<Env['step']>;
      try {
        r = env.step(actions[i]!);
      } catch (e) {
        throw new VectorEnvError(`SyncVectorEnv: env ${i} step failed: ${errorMessage(e)}`, i, { cause: e });
      }
      out.rewards[i] = r.reward;
      out.terminated[i] = r.terminated ? 1 : 0;
      out.truncated[i] = r.truncated ? 1 : 0;
      out.infos[i] = r.info;
      if (r.terminated || r.truncated) {
        this.flattenObs(r.obs, out.finalObs, i, 'step');
        let reset: ReturnType<Env['reset']>;
        try {
          reset = env.reset();
        } catch (e) {
          throw new VectorEnvError(`SyncVectorEnv: env ${i} autoreset failed: ${errorMessage(e)}`, i, {
            cause: e,
          });
        }
        this.flattenObs(reset.obs, out.obs, i, 'reset');
      } else {
        this.flattenObs(r.obs, out.obs, i, 'step');
      }
    }
    return out;
  }

  /** `'rgb_array'` when the envs were made to render frames (their renderMode); else undefined. */
  get renderMode(): string | undefined {
    return findRenderingEnv(this.envs[0]!)?.renderMode;
  }

  /**
   * The current frame of env `index`.
   * @throws RangeError for an index outside 0..numEnvs-1; Error naming the env when it cannot render
   *   (made without renderMode 'rgb_array').
   */
  render(index: number): Promise<RgbFrame> {
    try {
      return Promise.resolve(this.renderSync(index));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** {@link render}, in-process. */
  renderSync(index: number): RgbFrame {
    this.assertOpen('render');
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.numEnvs)
      throw new RangeError(
        `SyncVectorEnv.render: index (${describeValue(index)}) must be in 0..${this.numEnvs - 1}.`,
      );
    const env = findRenderingEnv(this.envs[index]!);
    if (env === undefined) {
      throw new Error(
        `SyncVectorEnv.render: ${this.spec.id} was not made to render frames: make it with the option renderMode: 'rgb_array' (where the env supports it).`,
      );
    }
    return env.render();
  }

  /** Closes every env; later calls do nothing. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const env of this.envs) env.close();
    }
    return Promise.resolve();
  }

  private saveState(): SyncVectorEnvState {
    const envs = this.envs.map((env) => (isStatefulEnv(env) ? env.getState() : {}));
    return { numEnvs: this.numEnvs, started: this.started, envs };
  }

  private restoreState(state: unknown): void {
    const where = 'SyncVectorEnv.setState: state';
    if (typeof state !== 'object' || state === null) {
      throw new TypeError(
        `${where} must be an object { numEnvs, started, envs }, got ${describeValue(state)}.`,
      );
    }
    const { numEnvs, started, envs } = state as Partial<Record<keyof SyncVectorEnvState, unknown>>;
    if (numEnvs !== this.numEnvs || !Array.isArray(envs) || envs.length !== this.numEnvs) {
      throw new TypeError(
        `${where}.numEnvs (${describeValue(numEnvs)}) and state.envs (${describeValue(envs)}) must match ` +
          `this vector env's ${this.numEnvs} envs.`,
      );
    }
    if (typeof started !== 'boolean') {
      throw new TypeError(`${where}.started (${describeValue(started)}) must be a boolean.`);
    }
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i]!;
      if (!isStatefulEnv(env)) throw new TypeError(`SyncVectorEnv.setState: env ${i} has no state API.`);
      try {
        env.setState(envs[i]);
      } catch (e) {
        throw new VectorEnvError(`SyncVectorEnv.setState: state.envs[${i}]: ${errorMessage(e)}`, i, {
          cause: e,
        });
      }
    }
    this.started = started;
  }

  private flattenObs(obs: SpaceValue, into: Float32Array, i: number, where: 'reset' | 'step'): void {
    try {
      this.singleObservationSpace.flattenInto(obs, into, i * this.obsSize);
    } catch (e) {
      throw new VectorEnvError(
        `SyncVectorEnv: env ${i}'s ${where} observation could not be flattened (${describeValue(obs)}): ` +
          `${errorMessage(e)}`,
        i,
        { cause: e },
      );
    }
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new Error(`SyncVectorEnv.${what}: the vector env is closed.`);
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
