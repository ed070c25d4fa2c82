/**
 * The env runners of a run: either one runner inline in the driver (`numEnvRunners: 0`, as RLlib's
 * local env runner) or N {@link EnvRunnerActor}s on the core runtime (in-process in local mode, worker
 * processes otherwise).
 *
 * Data flow with actors: a runner puts its fragment (the rows) into the object store and its `sample`
 * call returns the fragment's ref with the sample's small metadata (episodes, weights version); the
 * group reads only that metadata and returns the fragment's ref ({@link SampledFragment}) for learner
 * and replay actors to take as an argument. The rows reach the driver only through {@link resolve},
 * when the driver learns on them itself. Weights are
 * put once per version ({@link publishWeights}); a runner that is behind gets that one ref with its
 * next sample call, so each version crosses to each runner once, and every sample records the version
 * it was sampled with (the weight lag). Exploration state ({@link RunnerControl}) travels the same way.
 * With `env.normalizeObservations` the group keeps the run's one observation statistic: it merges the
 * moments each sample reports and sends the merged statistic with every sample call
 * (./run-obs-statistic.ts).
 *
 * Sampling is synchronous (one fragment from every runner) or asynchronous (every runner keeps one
 * sample call in flight while the driver learns; each call returns what is ready): RLlib's
 * `sample_async`-style off-policy sampling (./actor-sample-calls.ts). Asynchronous runs are not
 * bit-reproducible.
 *
 * A runner whose call fails (its worker died, it threw, it timed out) is replaced by a fresh actor and
 * asked again, when `restartFailed` is on (RLlib's `restart_failed_env_runners`); training goes on.
 * Inline, a runner on a remote env is rebuilt the same way (a new connection). Rebuilds back off
 * (1 s, 2 s, 4 s ... at most 15 s) and go on for `restartWindowMs` from the first failure in a row, so
 * a remote env server that restarts within the window is reconnected to; after it, the last error
 * fails the run.
 */
import { type ActorHandle, get, kill, type ObjectRef, put } from '../../core/index.js';
import { isServedEnvId } from '../../envs/vector/make-vector-env.js';
import type { RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type { Fragment, RunnerControl, SampledFragment, SampleRound } from '../algorithm.js';
import type { NamedWeights } from '../models/named-weights.js';
import { ActorSampleCalls, type FetchedSample } from './actor-sample-calls.js';
import { buildEnvRunner, type EnvRunnerSpec } from './build-env-runner.js';
import type { EnvRunner, EnvRunnerState, RunnerSample } from './env-runner.js';
import { EnvRunnerActor, type EnvRunnerActorImpl } from './env-runner-actor.js';
import { retryWithBackoff } from './retry-with-backoff.js';
import { RunObsStatistic } from './run-obs-statistic.js';
import type { VersionedWeights } from './runner-control.js';
import { fragmentFromPlain, runnerSampleMetaFromPlain } from './runner-sample-codec.js';
import { assembleSampleRound, type RoundSample } from './sample-round.js';

/** Options of {@link EnvRunnerGroup.create}. */
export interface EnvRunnerGroupOptions {
  /** One spec per runner. */
  readonly specs: readonly EnvRunnerSpec[];
  /** `inline`: one runner in this process, no runtime; `actors`: one actor per spec. */
  readonly mode: 'inline' | 'actors';
  /** Replace failed runners and go on. @default true */
  readonly restartFailed?: boolean;
  /** Longest wait for one sample call. @default 60000 */
  readonly sampleTimeoutMs?: number;
  /** How long failed runners are rebuilt, from the first failure in a row, before the run fails. @default 120000 */
  readonly restartWindowMs?: number;
  /** The first rebuild's wait, doubled per failure in a row up to 15 s. @default 1000 */
  readonly restartBackoffMs?: number;
}

/**
 * Sampling rounds in a row that needed a rebuild before the group gives up: a stream that breaks
 * every round (say, two clients taking turns on one env server) is not trained on.
 */
const MAX_ROUNDS_WITH_REBUILDS = 5;

/** The env runners of a run (see the module comment). */
export class EnvRunnerGroup {
  /** Runners replaced so far. */
  numRestarts = 0;
  private readonly specs: EnvRunnerSpec[];
  private readonly restartFailed: boolean;
  private readonly timeoutMs: number;
  private readonly windowMs: number;
  private readonly backoffMs: number;
  private inline: EnvRunner | undefined;
  private roundsWithRebuilds = 0;
  private handles: ActorHandle<EnvRunnerActorImpl>[] = [];
  /** The latest published weights and (actors) the one ref they were put under. */
  private published:
    | { version: number; weights: NamedWeights; ref?: ObjectRef<VersionedWeights> }
    | undefined;
  /** Per runner: the weights version already sent to it (-1: none). */
  private sentVersions: number[] = [];
  /** Per runner: its control, and whether it still has to be sent. */
  private controls: (RunnerControl | undefined)[] = [];
  private controlUnsent: boolean[] = [];
  /** The runner actors' sample calls (in flight, drained). */
  private readonly calls: ActorSampleCalls;
  /** The run's `env.normalizeObservations` statistic (undefined when it is off). */
  private readonly obsStatistic: RunObsStatistic | undefined;

  private constructor(options: EnvRunnerGroupOptions) {
    this.specs = [...options.specs];
    this.restartFailed = options.restartFailed ?? true;
    this.timeoutMs = options.sampleTimeoutMs ?? 60_000;
    this.windowMs = options.restartWindowMs ?? 120_000;
    this.backoffMs = options.restartBackoffMs ?? 1000;
    const n = this.specs.length;
    this.sentVersions = new Array<number>(n).fill(-1);
    this.controls = new Array<RunnerControl | undefined>(n).fill(undefined);
    this.controlUnsent = new Array<boolean>(n).fill(false);
    this.calls = new ActorSampleCalls({
      numRunners: n,
      timeoutMs: this.timeoutMs,
      submit: (i) => this.submit(i),
      fetch: (i, ref) => this.fetch(i, ref),
    });
    const { context, frozenObsFilter } = this.specs[0]!;
    if (context.config.env.normalizeObservations && frozenObsFilter !== true)
      this.obsStatistic = new RunObsStatistic(context.obsSize);
  }

  /**
   * Builds the runners (their envs are reset).
   * @throws RangeError when `specs` is empty, or inline mode has more than one spec.
   */
  static async create(options: EnvRunnerGroupOptions): Promise<EnvRunnerGroup> {
    if (options.specs.length === 0) throw new RangeError('EnvRunnerGroup: needs at least one runner spec.');
    const group = new EnvRunnerGroup(options);
    if (options.mode === 'inline') {
      if (options.specs.length !== 1) {
        throw new RangeError(
          `EnvRunnerGroup: inline mode runs one runner, got ${options.specs.length} specs.`,
        );
      }
      group.inline = await buildEnvRunner(options.specs[0]!);
    } else {
      group.handles = options.specs.map((spec) => EnvRunnerActor.remote(spec));
    }
    return group;
  }

  /** Number of runners. */
  get numRunners(): number {
    return this.specs.length;
  }

  /** True when the runners are actors. */
  get isActors(): boolean {
    return this.inline === undefined;
  }

  /** The actor handles (empty inline); tests use them to kill a runner. */
  get actors(): readonly ActorHandle<EnvRunnerActorImpl>[] {
    return this.handles;
  }

  /** The latest published weights version (-1 before the first). */
  get weightsVersion(): number {
    return this.published?.version ?? -1;
  }

  /**
   * Samples: synchronously one fragment from every runner, in runner order; with `async` (actors
   * only, else synchronous) the samples that are ready, each runner resubmitted at once.
   * @throws Error when rebuilds were needed in {@link MAX_ROUNDS_WITH_REBUILDS} rounds in a row.
   */
  async sample(options: { readonly async?: boolean } = {}): Promise<SampleRound> {
    const restartsBefore = this.numRestarts;
    const round = await this.sampleRound(options);
    this.roundsWithRebuilds = this.numRestarts > restartsBefore ? this.roundsWithRebuilds + 1 : 0;
    if (this.roundsWithRebuilds >= MAX_ROUNDS_WITH_REBUILDS) {
      throw new Error(
        `env runners needed rebuilding in ${this.roundsWithRebuilds} sampling rounds in a row ` +
          `(${this.numRestarts} rebuilds in all): the env stream keeps breaking, so the run stops ` +
          'instead of training on it (see the warnings above).',
      );
    }
    return round;
  }

  private async sampleRound(options: { readonly async?: boolean }): Promise<SampleRound> {
    if (this.inline !== undefined) {
      const s = await this.sampleInline();
      const fragment = { kind: 'local', fragment: s.fragment } as const;
      return this.round([{ index: 0, fragment, sample: { ...s, weightsVersion: this.weightsVersion } }]);
    }
    return this.round(await (options.async === true ? this.calls.asyncRound() : this.calls.syncRound()));
  }

  /** Reads fragments into this process (refs from the object store). */
  async resolve(fragments: readonly SampledFragment[]): Promise<Fragment[]> {
    return Promise.all(
      fragments.map(async (f) =>
        f.kind === 'local' ? f.fragment : fragmentFromPlain(await get(f.ref, { timeoutMs: this.timeoutMs })),
      ),
    );
  }

  /**
   * Publishes new weights: inline they are set at once; with actors they are put once in the object
   * store and each runner pulls that ref with its next sample call.
   */
  publishWeights(weights: NamedWeights): void {
    const version = this.weightsVersion + 1;
    if (this.inline !== undefined) {
      this.inline.setWeights(weights);
      this.published = { version, weights };
      return;
    }
    this.published = { version, weights, ref: put<VersionedWeights>({ version, weights }) };
  }

  /**
   * Sets the runners' exploration state: one for all, or one per runner (in runner order). Inline it
   * applies at once; actors get it with their next sample call.
   * @throws RangeError when a list does not have one entry per runner.
   */
  setControl(control: RunnerControl | readonly RunnerControl[]): void {
    const list = Array.isArray(control) ? (control as readonly RunnerControl[]) : undefined;
    if (list !== undefined && list.length !== this.numRunners) {
      throw new RangeError(
        `EnvRunnerGroup.setControl: ${list.length} controls for ${this.numRunners} runners.`,
      );
    }
    for (let i = 0; i < this.numRunners; i++) {
      this.controls[i] = list !== undefined ? list[i]! : (control as RunnerControl);
      this.controlUnsent[i] = true;
    }
    if (this.inline !== undefined) {
      this.inline.setControl(this.controls[0]!);
      this.controlUnsent[0] = false;
    }
  }

  /**
   * The run's observation statistic, every sample read so far merged (undefined when
   * `env.normalizeObservations` is off); {@link getStates} first drains the samples in flight.
   */
  obsFilterState(): RunningMeanStdState | undefined {
    return this.obsStatistic?.getState();
  }

  /**
   * Restores the run's observation statistic (resume); the runners get it with their next sample.
   * @throws TypeError when normalisation is off or `state` is malformed.
   */
  setObsFilterState(state: unknown): void {
    if (this.obsStatistic === undefined)
      throw new TypeError('EnvRunnerGroup.setObsFilterState: env.normalizeObservations is off.');
    this.obsStatistic.setState(state);
  }

  /** Every runner's state, in runner order (for checkpoints); in-flight samples are kept for later. */
  async getStates(): Promise<EnvRunnerState[]> {
    if (this.inline !== undefined) return [this.inline.getState()];
    // The drained samples' observations were seen: they belong in the statistic a checkpoint saves.
    this.obsStatistic?.mergeSamples(await this.calls.drain());
    return get(
      this.handles.map((h) => h.call('getState')),
      { timeoutMs: this.timeoutMs },
    );
  }

  /**
   * Restores states saved by {@link getStates}. Returns false when some env could not be restored
   * exactly (the env has no state API): those runners go on from a fresh reset.
   * @throws RangeError when the number of states differs from the number of runners.
   */
  async setStates(states: readonly EnvRunnerState[]): Promise<boolean> {
    if (states.length !== this.numRunners) {
      throw new RangeError(
        `EnvRunnerGroup.setStates: ${states.length} states for ${this.numRunners} runners.`,
      );
    }
    if (this.inline !== undefined) return this.inline.setState(states[0]!);
    const ok = await get(
      this.handles.map((h, i) => h.call('setState', states[i]!)),
      { timeoutMs: this.timeoutMs },
    );
    return ok.every(Boolean);
  }

  /** Closes every runner's envs and stops the actors. */
  async close(): Promise<void> {
    if (this.inline !== undefined) {
      await this.inline.close();
      return;
    }
    await Promise.allSettled(this.handles.map((h) => get(h.call('close'), { timeoutMs: 5_000 })));
    for (const h of this.handles) {
      try {
        kill(h);
      } catch {
        // already dead
      }
    }
  }

  /** Starts a sample call on runner i, with the weights ref when it is behind and its unsent control. */
  private submit(i: number): ObjectRef<unknown> {
    const p = this.published;
    let weights: ObjectRef<VersionedWeights> | null = null;
    if (p?.ref !== undefined && this.sentVersions[i]! < p.version) {
      weights = p.ref;
      this.sentVersions[i] = p.version;
    }
    const control = this.controlUnsent[i] ? this.controls[i]! : null;
    this.controlUnsent[i] = false;
    const obsFilter = this.obsStatistic?.getState() ?? null;
    return this.handles[i]!.call('sample', weights, control, obsFilter) as ObjectRef<unknown>;
  }

  /** Reads runner i's sample metadata; on failure restarts the runner and samples again. */
  private async fetch(i: number, first: ObjectRef<unknown>): Promise<FetchedSample> {
    let ref = first;
    let resubmit = false;
    return this.retrying(
      `env runner ${i}`,
      async () => {
        if (resubmit) ref = this.submit(i);
        resubmit = true;
        const sample = runnerSampleMetaFromPlain(await get(ref, { timeoutMs: this.timeoutMs }));
        const fragment = { kind: 'ref', ref: sample.fragment, numEnvs: sample.numEnvs } as const;
        return { index: i, fragment, sample };
      },
      async () => this.restart(i),
    );
  }

  /**
   * The inline runner's sample. A runner on a remote env is rebuilt on failure (a new connection, as
   * after a server restart); a local env's error is a bug in the env and fails at once.
   */
  private async sampleInline(): Promise<RunnerSample> {
    const spec = this.specs[0]!;
    const { env } = spec.context.config;
    const served = isServedEnvId(env.id) || env.addresses.length > 0;
    const sample = () => {
      const stat = this.obsStatistic?.getState();
      if (stat !== undefined) this.inline!.setObsFilterState(stat);
      return this.inline!.sample();
    };
    if (!this.restartFailed || !served) return sample();
    return this.retrying('env runner 0', sample, async () => {
      await this.inline!.close().catch(() => undefined);
      this.numRestarts++;
      this.specs[0] = this.reseeded(this.specs[0]!);
      this.inline = await buildEnvRunner(this.specs[0]);
      if (this.published !== undefined) this.inline.setWeights(this.published.weights);
      if (this.controls[0] !== undefined) this.inline.setControl(this.controls[0]);
    });
  }

  /** {@link retryWithBackoff} with this group's window, or the attempt alone when restarts are off. */
  private retrying<T>(what: string, attempt: () => Promise<T>, rebuild: () => Promise<void>): Promise<T> {
    if (!this.restartFailed) return attempt();
    const options = {
      what,
      windowMs: this.windowMs,
      backoffMs: this.backoffMs,
      restartNumber: () => this.numRestarts + 1,
    };
    return retryWithBackoff(options, attempt, rebuild);
  }

  /** The spec with a new seed: a replacement must not replay the episodes its predecessor sampled. */
  private reseeded(spec: EnvRunnerSpec): EnvRunnerSpec {
    return { ...spec, seed: spec.seed + 65_536 * this.numRestarts };
  }

  private round(samples: readonly RoundSample[]): SampleRound {
    this.obsStatistic?.mergeSamples(samples);
    return assembleSampleRound(samples, this.weightsVersion);
  }

  /** Replaces runner i by a fresh actor with a new seed; weights and control go with its next sample call. */
  private restart(i: number): void {
    try {
      kill(this.handles[i]!);
    } catch {
      // already dead
    }
    this.numRestarts++;
    this.specs[i] = this.reseeded(this.specs[i]!);
    this.handles[i] = EnvRunnerActor.remote(this.specs[i]!);
    this.sentVersions[i] = -1;
    this.controlUnsent[i] = this.controls[i] !== undefined;
  }
}
