/**
 * The env runners of a run: either one runner inline in the driver (`numEnvRunners: 0`, as RLlib's
 * local env runner) or N {@link EnvRunnerActor}s on the core runtime (in-process in local mode, worker
 * processes otherwise). A runner whose call fails (its worker died, it threw, it timed out) is
 * replaced by a fresh actor with the current weights and asked again, when `restartFailed` is on
 * (RLlib's `restart_failed_env_runners`); training goes on. Inline, a runner on a remote env is
 * rebuilt the same way (a new connection). Rebuilds back off (1 s, 2 s, 4 s ... at most 15 s) and go
 * on for `restartWindowMs` from the first failure in a row, so a remote env server that restarts
 * within the window is reconnected to; after it, the last error fails the run.
 */
import { type ActorHandle, get, kill, put } from '../../core/index.js';
import { createLogger } from '../../core/logger.js';
import { isServedEnvId } from '../../envs/vector/make-vector-env.js';
import type { EpisodeSummary, Fragment } from '../algorithm.js';
import type { NamedWeights } from '../models/named-weights.js';
import { buildEnvRunner, type EnvRunnerSpec } from './build-env-runner.js';
import type { EnvRunner, EnvRunnerState, RunnerSample } from './env-runner.js';
import { EnvRunnerActor, type EnvRunnerActorImpl } from './env-runner-actor.js';
import { runnerSampleFromPlain } from './runner-sample-codec.js';

const log = createLogger('env-runners');

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

/** Longest wait between two rebuilds of a runner. */
const MAX_BACKOFF_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** What one sampling round returns. */
export interface GroupSample {
  readonly fragments: Fragment[];
  readonly episodes: EpisodeSummary;
  readonly envSteps: number;
}

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
  private handles: ActorHandle<EnvRunnerActorImpl>[] = [];
  private weights: NamedWeights | undefined;

  private constructor(options: EnvRunnerGroupOptions) {
    this.specs = [...options.specs];
    this.restartFailed = options.restartFailed ?? true;
    this.timeoutMs = options.sampleTimeoutMs ?? 60_000;
    this.windowMs = options.restartWindowMs ?? 120_000;
    this.backoffMs = options.restartBackoffMs ?? 1000;
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

  /** The actor handles (empty inline); tests use them to kill a runner. */
  get actors(): readonly ActorHandle<EnvRunnerActorImpl>[] {
    return this.handles;
  }

  /** One fragment from every runner, in runner order. */
  async sample(): Promise<GroupSample> {
    let samples: RunnerSample[];
    if (this.inline !== undefined) {
      samples = [await this.sampleInline()];
    } else {
      const refs = this.handles.map((h) => h.call('sample'));
      samples = await Promise.all(
        refs.map((ref, i) => this.collect(i, get(ref, { timeoutMs: this.timeoutMs }))),
      );
    }
    const returns: number[] = [];
    const lengths: number[] = [];
    let envSteps = 0;
    for (const s of samples) {
      returns.push(...s.episodes.returns);
      lengths.push(...s.episodes.lengths);
      envSteps += s.envSteps;
    }
    return { fragments: samples.map((s) => s.fragment), episodes: { returns, lengths }, envSteps };
  }

  /** Sends `weights` to every runner: put once in the object store, the same ref to each. */
  async setWeights(weights: NamedWeights): Promise<void> {
    this.weights = weights;
    if (this.inline !== undefined) {
      this.inline.setWeights(weights);
      return;
    }
    const ref = put(weights);
    await Promise.all(
      this.handles.map((h, i) =>
        this.collect(i, get(h.call('setWeights', ref), { timeoutMs: this.timeoutMs }), false),
      ),
    );
  }

  /** Every runner's state, in runner order (for checkpoints). */
  async getStates(): Promise<EnvRunnerState[]> {
    if (this.inline !== undefined) return [this.inline.getState()];
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

  /**
   * The inline runner's sample. A runner on a remote env is rebuilt on failure (a new connection, as
   * after a server restart); a local env's error is a bug in the env and fails at once.
   */
  private async sampleInline(): Promise<RunnerSample> {
    const spec = this.specs[0]!;
    const { env } = spec.context.config;
    const served = isServedEnvId(env.id) || env.addresses.length > 0;
    if (!this.restartFailed || !served) return this.inline!.sample();
    return this.retrying(
      'env runner 0',
      () => this.inline!.sample(),
      async () => {
        await this.inline!.close().catch(() => undefined);
        this.numRestarts++;
        this.specs[0] = this.reseeded(this.specs[0]!);
        this.inline = await buildEnvRunner(this.specs[0]);
        if (this.weights !== undefined) this.inline.setWeights(this.weights);
      },
    );
  }

  /** Awaits runner i's result; on failure restarts it and retries `sample` (or just restarts). */
  private async collect<T>(i: number, pending: Promise<T>, retrySample = true): Promise<RunnerSample & T> {
    let first = true;
    const value = await this.retrying(
      `env runner ${i}`,
      () => {
        if (first) {
          first = false;
          return pending;
        }
        return (
          retrySample
            ? get(this.handles[i]!.call('sample'), { timeoutMs: this.timeoutMs })
            : Promise.resolve(undefined)
        ) as Promise<T>;
      },
      () => this.restart(i),
    );
    return (retrySample ? runnerSampleFromPlain(value) : value) as RunnerSample & T;
  }

  /**
   * Runs `attempt`; on failure (and `restartFailed`) waits with backoff, runs `rebuild` and tries
   * again, until `restartWindowMs` after the first failure. A failing rebuild counts as a failure.
   * @throws the first error when restarts are off, else the last one once the window is over.
   */
  private async retrying<T>(
    what: string,
    attempt: () => Promise<T>,
    rebuild: () => Promise<void>,
  ): Promise<T> {
    let firstFailureMs: number | undefined;
    for (let failures = 0; ; failures++) {
      try {
        return await attempt();
      } catch (error) {
        const now = performance.now();
        firstFailureMs ??= now;
        const delayMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2 ** failures);
        if (!this.restartFailed) throw error;
        if (now + delayMs - firstFailureMs > this.windowMs) {
          const seconds = ((now - firstFailureMs) / 1000).toFixed(0);
          throw new Error(
            `${what} failed ${failures + 1} times in ${seconds} s (envRunners.restartWindowMs ` +
              `${this.windowMs}); last error: ${describeError(error)}`,
            { cause: error },
          );
        }
        log.warn(
          `${what} failed (${describeError(error)}); rebuilding it in ${(delayMs / 1000).toFixed(1)} s ` +
            `(restart ${this.numRestarts + 1}).`,
        );
        await sleep(delayMs);
        try {
          await rebuild();
        } catch (rebuildError) {
          // The next attempt fails on the broken runner and backs off further.
          log.warn(`${what}: rebuild failed (${describeError(rebuildError)}).`);
        }
      }
    }
  }

  /** The spec with a new seed: a replacement must not replay the episodes its predecessor sampled. */
  private reseeded(spec: EnvRunnerSpec): EnvRunnerSpec {
    return { ...spec, seed: spec.seed + 65_536 * this.numRestarts };
  }

  /** Replaces runner i by a fresh actor with a new seed and the current weights. */
  private async restart(i: number): Promise<void> {
    try {
      kill(this.handles[i]!);
    } catch {
      // already dead
    }
    this.numRestarts++;
    this.specs[i] = this.reseeded(this.specs[i]!);
    const handle = EnvRunnerActor.remote(this.specs[i]!);
    this.handles[i] = handle;
    if (this.weights !== undefined)
      await get(handle.call('setWeights', put(this.weights)), { timeoutMs: this.timeoutMs });
  }
}
