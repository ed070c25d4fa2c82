/**
 * The env runner: steps a vector env (local or remote, the contract is async) with batched policy
 * inference and returns time-major [T, N] fragments plus the episodes that ended (RLlib's
 * `SingleAgentEnvRunner`, our shapes). Runs in-process or inside an actor (./env-runner-actor.ts).
 *
 * Columns written per step (rl/sample-batch/columns.ts): obs, actions, rewards, terminated, truncated,
 * the policy's extras (PPO: logProbs, valuePreds), `finalValuePreds` = V(finalObs) on truncated steps
 * when the policy has `values` (bootstrap on truncation, not on termination), `nextObs` when asked.
 */
import { SeededRng } from '../../envs/rng.js';
import type { VectorEnv } from '../../envs/vector/vector-env.js';
import type { RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type { EpisodeSummary, Fragment, InferencePolicy, PolicyOutput, RunnerControl } from '../algorithm.js';
import type { NamedWeights } from '../models/named-weights.js';
import { Columns } from '../sample-batch/columns.js';
import { SampleBatch } from '../sample-batch/sample-batch.js';
import { type ActionAdapter, createActionAdapter } from './action-adapter.js';

/** Options of {@link EnvRunner.create}. */
export interface EnvRunnerOptions {
  /** The envs to step (owned by the runner from now on: `close` closes them). */
  readonly env: VectorEnv;
  /** The policy (owned by the runner). */
  readonly policy: InferencePolicy;
  /** T: steps per env in one fragment. */
  readonly rolloutFragmentLength: number;
  /** Sample stochastic actions (training) or deterministic ones (evaluation). @default true */
  readonly explore?: boolean;
  /** Seeds the env reset (env i gets `seed + i`) and the runner's action sampling. */
  readonly seed: number;
  /** Record `nextObs` (final obs where an episode ended), for replay buffers. @default false */
  readonly recordNextObs?: boolean;
  /** Run the policy's `postprocess` on each fragment (training runners; not evaluation). @default false */
  readonly postprocess?: boolean;
  /** The `env.normalizeObservations` statistic (the wrapper `env` is); the driver owns the run's. */
  readonly obsFilter?: ObservationFilter;
}

/**
 * An observation statistic the driver keeps one of per run: the runner normalises with the copy it
 * was last sent and reports the moments of what it observed since ({@link RunnerSample.obsDelta}).
 */
export interface ObservationFilter {
  getFilterState(): RunningMeanStdState;
  setFilterState(state: unknown): void;
  takeDelta(): RunningMeanStdState | undefined;
}

/** What {@link EnvRunner.sample} returns. */
export interface RunnerSample {
  readonly fragment: Fragment;
  readonly episodes: EpisodeSummary;
  /** T * N. */
  readonly envSteps: number;
  /**
   * With `env.normalizeObservations` (training): mean, population variance and count of the raw
   * observations this runner saw since its last sample (reset observations included), for the driver
   * to merge into the run's statistic.
   */
  readonly obsDelta?: RunningMeanStdState;
}

/** The runner's resumable state (without the envs' own state, see {@link EnvRunner.getState}). */
export interface EnvRunnerState {
  readonly rng: ReturnType<SeededRng['getState']>;
  /** [N, obsSize] the observation each env is in. */
  readonly obs: number[];
  readonly episodeReturns: number[];
  readonly episodeLengths: number[];
  /** The vector env's own state, when it has `getState` (needed for an exact resume). */
  readonly env?: unknown;
}

/** A vector env that can save and restore its state (optional extension of the contract). */
interface StatefulVectorEnv {
  getState(): unknown;
  setState(state: unknown): void;
}

function isStateful(env: VectorEnv): env is VectorEnv & StatefulVectorEnv {
  const e = env as unknown as Partial<StatefulVectorEnv>;
  return typeof e.getState === 'function' && typeof e.setState === 'function';
}

/** Steps a vector env with a policy; see the module comment. */
export class EnvRunner {
  readonly env: VectorEnv;
  readonly policy: InferencePolicy;
  readonly numEnvs: number;
  readonly obsSize: number;
  explore: boolean;
  private readonly fragmentLength: number;
  private readonly recordNextObs: boolean;
  private readonly postprocess: boolean;
  private readonly adapter: ActionAdapter;
  private readonly rng: SeededRng;
  private obs: Float32Array;
  private readonly episodeReturns: Float64Array;
  private readonly episodeLengths: Int32Array;
  private readonly out: PolicyOutput;
  private readonly obsFilter: ObservationFilter | undefined;

  private constructor(options: EnvRunnerOptions, obs: Float32Array) {
    const T = options.rolloutFragmentLength;
    if (!Number.isSafeInteger(T) || T < 1) {
      throw new RangeError(`EnvRunner: rolloutFragmentLength (${String(T)}) must be a positive integer.`);
    }
    this.env = options.env;
    this.policy = options.policy;
    this.numEnvs = options.env.numEnvs;
    this.obsSize = options.env.obsSize;
    this.fragmentLength = T;
    this.explore = options.explore ?? true;
    this.recordNextObs = options.recordNextObs ?? false;
    this.postprocess = options.postprocess ?? false;
    this.obsFilter = options.obsFilter;
    this.adapter = createActionAdapter(options.env.singleActionSpace.toJson(), this.numEnvs);
    // A negative seed never equals an env seed (seed + i >= 0): action noise and envs do not correlate.
    this.rng = SeededRng.fromSeed(-(options.seed + 1));
    this.obs = obs;
    this.episodeReturns = new Float64Array(this.numEnvs);
    this.episodeLengths = new Int32Array(this.numEnvs);
    const extras: Record<string, Float32Array> = {};
    for (const name of options.policy.extraColumns) extras[name] = new Float32Array(this.numEnvs);
    this.out = { actions: this.adapter.allocActions(this.numEnvs), extras };
  }

  /** Resets the envs with `seed` and returns a runner ready to sample. */
  static async create(options: EnvRunnerOptions): Promise<EnvRunner> {
    const { obs } = await options.env.reset({ seed: options.seed });
    return new EnvRunner(options, obs.slice());
  }

  /** Replaces the policy weights (as broadcast by the learner). */
  setWeights(weights: NamedWeights): void {
    this.policy.setWeights(weights);
  }

  /** Applies the driver's exploration state (no-op for a policy without exploration knobs). */
  setControl(control: RunnerControl): void {
    this.policy.setControl?.(control);
  }

  /** Samples one fragment of `rolloutFragmentLength` steps from every env. */
  async sample(): Promise<RunnerSample> {
    const T = this.fragmentLength;
    const N = this.numEnvs;
    const D = this.obsSize;
    const rows = T * N;
    const obsCol = new Float32Array(rows * D);
    const actionsCol = this.adapter.allocActions(rows);
    const rewards = new Float32Array(rows);
    const terminated = new Uint8Array(rows);
    const truncated = new Uint8Array(rows);
    const extraCols: Record<string, Float32Array> = {};
    for (const name of this.policy.extraColumns) extraCols[name] = new Float32Array(rows);
    const hasValues = this.policy.values !== undefined;
    const finalValuePreds = hasValues ? new Float32Array(rows) : undefined;
    const nextObs = this.recordNextObs ? new Float32Array(rows * D) : undefined;
    const returns: number[] = [];
    const lengths: number[] = [];
    const truncRows: number[] = [];
    const k = this.adapter.actionSize;

    for (let t = 0; t < T; t++) {
      const base = t * N;
      this.policy.act(this.obs, N, this.explore, this.rng, this.out);
      obsCol.set(this.obs, base * D);
      actionsCol.set(this.out.actions, base * k);
      for (const name of this.policy.extraColumns) extraCols[name]!.set(this.out.extras[name]!, base);
      const result = await this.env.step(this.adapter.toEnvActions(this.out.actions));
      truncRows.length = 0;
      for (let n = 0; n < N; n++) {
        const i = base + n;
        const r = result.rewards[n]!;
        rewards[i] = r;
        terminated[i] = result.terminated[n]!;
        truncated[i] = result.truncated[n]!;
        this.episodeReturns[n]! += r;
        this.episodeLengths[n]! += 1;
        if (result.terminated[n] || result.truncated[n]) {
          returns.push(this.episodeReturns[n]!);
          lengths.push(this.episodeLengths[n]!);
          this.episodeReturns[n] = 0;
          this.episodeLengths[n] = 0;
          if (!result.terminated[n]) truncRows.push(n);
        }
      }
      if (nextObs !== undefined) {
        nextObs.set(result.obs, base * D);
        for (let n = 0; n < N; n++) {
          if (result.terminated[n] || result.truncated[n]) {
            nextObs.set(result.finalObs.subarray(n * D, (n + 1) * D), (base + n) * D);
          }
        }
      }
      if (finalValuePreds !== undefined && truncRows.length > 0) {
        // Bootstrap on truncation (Gymnasium 1.x; "37 details" of PPO, time limits): V(finalObs).
        const m = truncRows.length;
        const finals = new Float32Array(m * D);
        for (let j = 0; j < m; j++) {
          const n = truncRows[j]!;
          finals.set(result.finalObs.subarray(n * D, (n + 1) * D), j * D);
        }
        const v = new Float32Array(m);
        this.policy.values!(finals, m, v);
        for (let j = 0; j < m; j++) finalValuePreds[base + truncRows[j]!] = v[j]!;
      }
      this.obs.set(result.obs);
    }

    const columns: Record<string, Float32Array | Int32Array | Uint8Array> = {
      [Columns.OBS]: obsCol,
      [Columns.ACTIONS]: actionsCol,
      [Columns.REWARDS]: rewards,
      [Columns.TERMINATED]: terminated,
      [Columns.TRUNCATED]: truncated,
      ...extraCols,
    };
    const shapes: Record<string, number[]> = { [Columns.OBS]: [D], [Columns.ACTIONS]: this.adapter.rowShape };
    if (finalValuePreds !== undefined) columns[Columns.FINAL_VALUE_PREDS] = finalValuePreds;
    if (nextObs !== undefined) {
      columns[Columns.NEXT_OBS] = nextObs;
      shapes[Columns.NEXT_OBS] = [D];
    }
    let lastValues: Float32Array | undefined;
    if (hasValues) {
      lastValues = new Float32Array(N);
      this.policy.values!(this.obs, N, lastValues);
    }
    const batch = new SampleBatch(rows, columns, shapes);
    const fragment: Fragment =
      lastValues !== undefined ? { batch, numEnvs: N, lastValues } : { batch, numEnvs: N };
    const out = (this.postprocess ? this.policy.postprocess?.(fragment) : undefined) ?? fragment;
    const obsDelta = this.obsFilter?.takeDelta();
    return {
      fragment: out,
      episodes: { returns, lengths },
      envSteps: rows,
      ...(obsDelta === undefined ? {} : { obsDelta }),
    };
  }

  /**
   * Resets every env (env i with `seed + i`) and the episode counters; the next fragment starts
   * fresh episodes. Evaluation resets before each round so every evaluation sees the same starts.
   */
  async reset(seed: number): Promise<void> {
    const { obs } = await this.env.reset({ seed });
    this.obs.set(obs);
    this.episodeReturns.fill(0);
    this.episodeLengths.fill(0);
  }

  /**
   * Runs until `numEpisodes` episodes have ended (the first ones to end, over all envs) and returns
   * them; for evaluation (call {@link reset} first so no episode started before this call counts).
   * @throws RangeError when `numEpisodes` is not a positive integer.
   */
  async sampleEpisodes(numEpisodes: number, maxEnvSteps = 10_000_000): Promise<EpisodeSummary> {
    if (!Number.isSafeInteger(numEpisodes) || numEpisodes < 1) {
      throw new RangeError(
        `EnvRunner.sampleEpisodes: numEpisodes (${String(numEpisodes)}) must be a positive integer.`,
      );
    }
    const returns: number[] = [];
    const lengths: number[] = [];
    let steps = 0;
    while (returns.length < numEpisodes && steps < maxEnvSteps) {
      const { episodes, envSteps } = await this.sample();
      returns.push(...episodes.returns);
      lengths.push(...episodes.lengths);
      steps += envSteps;
    }
    return { returns: returns.slice(0, numEpisodes), lengths: lengths.slice(0, numEpisodes) };
  }

  /**
   * The runner's state; includes the vector env's state when it implements `getState` (otherwise a
   * resumed runner re-resets its envs, see {@link setState}).
   */
  getState(): EnvRunnerState {
    const state: EnvRunnerState = {
      rng: this.rng.getState(),
      obs: Array.from(this.obs),
      episodeReturns: Array.from(this.episodeReturns),
      episodeLengths: Array.from(this.episodeLengths),
    };
    return isStateful(this.env) ? { ...state, env: this.env.getState() } : state;
  }

  /**
   * Restores {@link getState}'s result. Returns false when the env state could not be restored (the
   * env has no `setState`, or none was saved): the envs keep their fresh reset and episodes restart.
   * @throws TypeError when the state is malformed or for another number of envs.
   */
  setState(state: EnvRunnerState): boolean {
    const N = this.numEnvs;
    if (!Array.isArray(state.obs) || state.obs.length !== N * this.obsSize) {
      throw new TypeError(
        `EnvRunner.setState: state.obs must hold ${N * this.obsSize} numbers (N x obsSize).`,
      );
    }
    this.rng.setState(state.rng);
    if (state.env === undefined || !isStateful(this.env)) return false;
    this.env.setState(state.env);
    // The envs go on from the saved state: the observations of this runner's fresh reset were never
    // part of the run, so they leave the moments it reports.
    this.obsFilter?.takeDelta();
    this.obs.set(state.obs);
    this.episodeReturns.set(state.episodeReturns);
    this.episodeLengths.set(state.episodeLengths);
    return true;
  }

  /**
   * Sets the `env.normalizeObservations` statistic: the run's, sent by the driver before a sample
   * (training) or the saved one (evaluation, frozen).
   * @throws TypeError when normalisation is off or the state is malformed.
   */
  setObsFilterState(state: unknown): void {
    if (this.obsFilter === undefined)
      throw new TypeError('EnvRunner.setObsFilterState: env.normalizeObservations is off.');
    this.obsFilter.setFilterState(state);
  }

  /** The statistic this runner normalises with (undefined when normalisation is off). */
  getObsFilterState(): RunningMeanStdState | undefined {
    return this.obsFilter?.getFilterState();
  }

  /** Closes the envs and frees the policy. */
  async close(): Promise<void> {
    this.policy.dispose?.();
    await this.env.close();
  }
}
