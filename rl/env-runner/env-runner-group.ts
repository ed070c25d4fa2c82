/**
 * The env runners of a run: either one runner inline in the driver (`numEnvRunners: 0`, as RLlib's
 * local env runner) or N {@link EnvRunnerActor}s on the core runtime (in-process in local mode, worker
 * processes otherwise). A runner whose call fails (its worker died, it threw, it timed out) is
 * replaced by a fresh actor with the current weights and asked again, when `restartFailed` is on
 * (RLlib's `restart_failed_env_runners`); training goes on.
 */
import { type ActorHandle, get, kill, put } from '../../core/index.js';
import { createLogger } from '../../core/logger.js';
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
  /** Restarts of one runner in a row before the group gives up. @default 3 */
  readonly maxConsecutiveRestarts?: number;
}

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
  private readonly maxRestarts: number;
  private inline: EnvRunner | undefined;
  private handles: ActorHandle<EnvRunnerActorImpl>[] = [];
  private weights: NamedWeights | undefined;

  private constructor(options: EnvRunnerGroupOptions) {
    this.specs = [...options.specs];
    this.restartFailed = options.restartFailed ?? true;
    this.timeoutMs = options.sampleTimeoutMs ?? 60_000;
    this.maxRestarts = options.maxConsecutiveRestarts ?? 3;
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
      samples = [await this.inline.sample()];
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

  /** Awaits runner i's result; on failure restarts it and retries `sample` (or just restarts). */
  private async collect<T>(i: number, pending: Promise<T>, retrySample = true): Promise<RunnerSample & T> {
    let attempt = pending;
    for (let failures = 0; ; failures++) {
      try {
        const value = await attempt;
        return (retrySample ? runnerSampleFromPlain(value) : value) as RunnerSample & T;
      } catch (error) {
        if (!this.restartFailed || failures >= this.maxRestarts) throw error;
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        log.warn(`env runner ${i} failed (${reason}); restarting it (restart ${this.numRestarts + 1}).`);
        await this.restart(i);
        attempt = (
          retrySample
            ? get(this.handles[i]!.call('sample'), { timeoutMs: this.timeoutMs })
            : Promise.resolve(undefined)
        ) as Promise<T>;
      }
    }
  }

  /** Replaces runner i by a fresh actor with a new seed and the current weights. */
  private async restart(i: number): Promise<void> {
    try {
      kill(this.handles[i]!);
    } catch {
      // already dead
    }
    this.numRestarts++;
    const spec = this.specs[i]!;
    // A new seed: the replacement must not replay the episodes its predecessor already sampled.
    this.specs[i] = { ...spec, seed: spec.seed + 65_536 * this.numRestarts };
    const handle = EnvRunnerActor.remote(this.specs[i]!);
    this.handles[i] = handle;
    if (this.weights !== undefined)
      await get(handle.call('setWeights', put(this.weights)), { timeoutMs: this.timeoutMs });
  }
}
