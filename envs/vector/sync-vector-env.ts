/**
 * SyncVectorEnv: N envs stepped one after another in this thread, behind the {@link VectorEnv}
 * contract (same-step autoreset, final observations in `finalObs`).
 *
 * The step loop allocates nothing of its own: observations are flattened straight into preallocated
 * output arrays, which every step reuses (copy what you keep). Besides the async contract methods,
 * `resetSync`/`stepSync` give the same results without a promise, for in-process runners and benchmarks.
 */
import type { Env, EnvSpec, Info } from '../env.js';
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

/** N local envs behind the VectorEnv contract. */
export class SyncVectorEnv<A extends SpaceValue = SpaceValue> implements VectorEnv<A> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space<A>;
  readonly spec: EnvSpec;
  readonly obsSize: number;
  /** The envs, in order (env i is seeded with seed + i). */
  readonly envs: readonly Env<SpaceValue, A>[];
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

  /** Closes every env; later calls do nothing. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const env of this.envs) env.close();
    }
    return Promise.resolve();
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
