/**
 * The training driver. The whole data flow of a run is wired here, in one visible function:
 *
 *   config -> backend -> spaces/context -> env runners (inline, or actors on the core runtime)
 *          -> learner -> initial weight sync -> loop { iteration (sample -> learn -> sync weights),
 *             metrics, evaluation every N, checkpoint every N iterations or minutes, stop criteria /
 *             Ctrl-C / SIGTERM } -> final checkpoint
 *
 * `train(config, { algorithm, runDir })` is what `rl train` calls. Same seed + same backend gives the
 * same run; a run resumed from a checkpoint continues exactly where the uninterrupted one would be
 * (given envs with a state API, see EnvRunner.getState).
 */
import { type InitOptions, init, isInitialized, shutdown } from '../../core/index.js';
import { createLogger } from '../../core/logger.js';
import type { RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type { AnyAlgorithmDefinition, IterationServices, TrainingIteration } from '../algorithm.js';
import { initBackend } from '../backend/backend.js';
import { checkpointsDirOf, pruneCheckpoints } from '../checkpoint/index.js';
import type { CommonConfig } from '../config/common.js';
import { saveResolvedConfig } from '../config/save-config.js';
import { EnvRunnerGroup } from '../env-runner/env-runner-group.js';
import { Evaluator } from '../evaluation/evaluator.js';
import { LearnerGroup } from '../learner/learner-group.js';
import { EpisodeStats } from '../metrics/episode-stats.js';
import type { EvaluationResult, IterationResult, MetricValue } from '../metrics/iteration-result.js';
import { MetricsLogger } from '../metrics/metrics-logger.js';
import { hasStopCriterion, type StopReason, shouldStop } from '../metrics/should-stop.js';
import { withAbsoluteEnvId } from './absolute-env-id.js';
import { buildContext, evaluationRunnerSpec, learnerSpec, trainingRunnerSpecs } from './build-run.js';
import type { TrainCallbacks } from './callbacks.js';
import { readRunCheckpoint, writeRunCheckpoint } from './run-checkpoint.js';
import { writeRunEnded, writeRuntimeSnapshot } from './runtime-snapshot.js';

const log = createLogger('train');

/** Mean and max weight lag (policy versions behind the learner) of an iteration's fragments. */
function weightLagMetrics(lags: readonly number[]): {
  weightLagMean: number | null;
  weightLagMax: number | null;
} {
  if (lags.length === 0) return { weightLagMean: null, weightLagMax: null };
  let sum = 0;
  let max = 0;
  for (const l of lags) {
    sum += l;
    max = Math.max(max, l);
  }
  return { weightLagMean: sum / lags.length, weightLagMax: max };
}

/** Options of {@link train}; the hooks (onIteration, onEpisode, onCheckpoint) are in {@link TrainCallbacks}. */
export interface TrainOptions extends TrainCallbacks {
  /** The algorithm (`getAlgorithm(name)` from algorithms/index.ts). */
  readonly algorithm: AnyAlgorithmDefinition;
  /** Where results.jsonl, progress.csv, config.yaml/json and checkpoints/ go. */
  readonly runDir: string;
  /** A checkpoint directory to resume from (its config should be the one passed in). */
  readonly resumeFrom?: string;
  /** Aborting stops the run after the current iteration, with a final checkpoint. */
  readonly signal?: AbortSignal;
  /**
   * Stop after the current iteration on SIGINT (Ctrl-C) or SIGTERM, with a final checkpoint; a second
   * signal ends the process. @default true
   */
  readonly handleSigint?: boolean;
  /**
   * A cluster to run the env runners and learner actors on (`rl train --address`); without it, the
   * `TSRL_ADDRESS` environment variable, else this machine.
   */
  readonly cluster?: { readonly address: string; readonly keyFile?: string };
  /** Called once the env runners exist (tests kill one through `runners.actors`). */
  readonly onRunnersReady?: (runners: EnvRunnerGroup) => void;
}

/** What {@link train} returns. */
export interface TrainResult {
  readonly runDir: string;
  /** The last iteration's result row (undefined when no iteration ran). */
  readonly last: IterationResult | undefined;
  /** Why the run stopped: a stop criterion, or `interrupted`. */
  readonly stopReason: StopReason | 'interrupted';
  /** The last checkpoint written, if any. */
  readonly checkpointDir: string | undefined;
  /** Env runners restarted after failures. */
  readonly runnerRestarts: number;
}

/**
 * Trains `options.algorithm` with the resolved `config` (see the module comment).
 * @throws ConfigError / TypeError on a config or env the algorithm cannot run; CheckpointError on a
 *   bad `resumeFrom`; errors of the runtime when runners fail beyond their restarts.
 */
/** How train starts the runtime: joined to a cluster (whose nodes bring the GPUs), or this machine. */
function runtimeOptions(options: TrainOptions, numGpus: number): InitOptions {
  const address = options.cluster?.address ?? process.env['TSRL_ADDRESS'];
  if (address === undefined || address === '') return numGpus > 0 ? { numGpus } : {};
  const keyFile = options.cluster?.keyFile;
  // Run directories hold checkpoints: the nodes need none of them.
  return {
    address,
    ...(keyFile === undefined ? {} : { keyFile }),
    excludes: ['node_modules', '.git', 'runs'],
  };
}

export async function train(userConfig: CommonConfig, options: TrainOptions): Promise<TrainResult> {
  // Saved with the run and its checkpoints: a module path must name the same file from anywhere.
  const config = withAbsoluteEnvId(userConfig);
  const { algorithm, runDir } = options;
  // The context first (it needs no tfjs): the backend choice weighs the learner's size.
  const ctx = await buildContext(config, algorithm);
  const workload = algorithm.learnerWorkload?.(ctx);
  await initBackend({ backend: config.backend, ...(workload !== undefined ? { workload } : {}) });
  // The CLI's opening line says this already; library callers see it with TSRL_LOG_LEVEL=debug.
  log.debug(`${algorithm.name} on ${config.env.id}, seed ${config.seed}`);
  if (!hasStopCriterion(config.stop)) {
    log.warn(
      'no stop criterion (stop.envSteps, stop.iterations, stop.timeMs or stop.episodeReturnMean): ' +
        'the run trains until Ctrl-C; e.g. --stop-env-steps 100000.',
    );
  }
  saveResolvedConfig(runDir, config);

  const useActors = config.envRunners.numEnvRunners > 0;
  const learnerActor = config.learners.numGpusPerLearner > 0 || config.learners.numLearners > 1;
  const ownsRuntime = (useActors || learnerActor) && !isInitialized();
  // Learner actors ask the scheduler for their GPUs: the node must offer them.
  const numGpus = Math.ceil(config.learners.numGpusPerLearner * config.learners.numLearners);
  if (ownsRuntime) await init(runtimeOptions(options, numGpus));
  const runners = await EnvRunnerGroup.create({
    specs: trainingRunnerSpecs(ctx, algorithm),
    mode: useActors ? 'actors' : 'inline',
    restartFailed: config.envRunners.restartFailed,
    sampleTimeoutMs: config.envRunners.sampleTimeoutMs,
    restartWindowMs: config.envRunners.restartWindowMs,
  });
  options.onRunnersReady?.(runners);
  let learners: LearnerGroup | undefined;
  let evaluator: Evaluator | undefined;
  let iteration: TrainingIteration | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    log.warn(`${signal}: finishing this iteration and writing a checkpoint (send it again to abort).`);
    interrupted = true;
    // Once: a second signal gets Node's default handling and ends the process.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  if (options.handleSigint ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    learners = await LearnerGroup.create({
      spec: learnerSpec(ctx, algorithm),
      mode: config.learners.numGpusPerLearner > 0 ? 'actor' : 'local',
      numLearners: config.learners.numLearners,
      resolve: (fragments) => runners.resolve(fragments),
    });
    iteration = algorithm.createIteration(ctx);
    let stats = new EpisodeStats(config.metrics.windowEpisodes);
    let counters = { iteration: 0, envSteps: 0, episodes: 0, timeMs: 0 };

    if (options.resumeFrom !== undefined) {
      const { loaded, snapshot, migratedFrom } = readRunCheckpoint(options.resumeFrom, algorithm.name, {
        normalize: config.env.normalizeObservations,
        size: ctx.obsSize,
      });
      if (migratedFrom !== undefined)
        log.warn(
          `this checkpoint keeps the observation statistic in ${migratedFrom} (an older tsrl): migrated to one statistic per run.`,
        );
      await learners.setState(snapshot.learner);
      if (snapshot.obsFilter !== undefined) runners.setObsFilterState(snapshot.obsFilter);
      const exact = await runners.setStates(snapshot.runners);
      if (!exact)
        log.warn('the env has no state API: resumed envs start new episodes, so the run is not bit-exact.');
      stats = EpisodeStats.fromState(snapshot.episodeStats, config.metrics.windowEpisodes);
      if (snapshot.iteration !== undefined) await iteration.setState?.(snapshot.iteration);
      counters = { ...snapshot.counters };
      log.info(
        `resumed from ${loaded.dir} at iteration ${counters.iteration}, ${counters.envSteps} env steps`,
      );
    }

    // Wall time of each role per iteration (RLlib's timers): what limits the run.
    const timers = { sampleMs: 0, learnMs: 0, syncWeightsMs: 0 };
    const timed = async <T>(key: keyof typeof timers, f: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      try {
        return await f();
      } finally {
        timers[key] += performance.now() - t0;
      }
    };
    // Weight lag of every fragment sampled this iteration (versions behind the latest published).
    const lags: number[] = [];
    const services: IterationServices = {
      numRunners: runners.numRunners,
      runnersAreActors: runners.isActors,
      sample: (opts) =>
        timed('sampleMs', async () => {
          const round = await runners.sample(opts);
          lags.push(...round.weightLags);
          return round;
        }),
      resolve: (fragments) => runners.resolve(fragments),
      update: (fragments, info) => timed('learnMs', () => learners!.update(fragments, info)),
      updateWithTdErrors: (batch, info) => timed('learnMs', () => learners!.updateWithTdErrors(batch, info)),
      syncWeights: () =>
        timed('syncWeightsMs', async () => runners.publishWeights(await learners!.getWeights())),
      setRunnerControl: (control) => runners.setControl(control),
    };
    await services.syncWeights();
    if (config.evaluation.interval > 0)
      evaluator = await Evaluator.create(evaluationRunnerSpec(ctx, algorithm));
    const metrics = new MetricsLogger(runDir, {
      tensorboard: config.metrics.tensorboard,
      ...(options.resumeFrom !== undefined ? { resumeFromIteration: counters.iteration } : {}),
    });
    const checkpointsDir = checkpointsDirOf(runDir);
    const spaces = { observation: ctx.observationSpace, action: ctx.actionSpace };
    let checkpointDir: string | undefined;
    let lastCheckpointMs = performance.now();
    let lastCheckpointIteration = counters.iteration;
    const checkpoint = async () => {
      checkpointDir = writeRunCheckpoint(checkpointsDir, algorithm.name, config, spaces, {
        counters,
        learner: await learners!.getState(),
        // After getStates: it drains the samples in flight, so their observations are in the statistic.
        runners: await runners.getStates(),
        episodeStats: stats.state(),
        iteration: await iteration?.getState?.(),
        ...obsFilterField(runners.obsFilterState()),
      });
      pruneCheckpoints(checkpointsDir, config.checkpoint.keepLast);
      lastCheckpointMs = performance.now();
      lastCheckpointIteration = counters.iteration;
      await options.onCheckpoint?.({
        dir: checkpointDir,
        iteration: counters.iteration,
        envSteps: counters.envSteps,
      });
    };

    // A failed iteration (runners beyond their restarts, a learner error) keeps the last completed
    // iteration's work: the state at its end is checkpointed, when it can still be read.
    const checkpointBeforeFailing = async () => {
      if (counters.iteration === lastCheckpointIteration) return;
      try {
        await checkpoint();
        log.warn(`the run failed in iteration ${counters.iteration + 1}; resume from ${checkpointDir}.`);
      } catch (error) {
        log.warn(`the run failed and no checkpoint could be written (${(error as Error).message}).`);
      }
    };
    const startMs = performance.now() - counters.timeMs;
    let last: IterationResult | undefined;
    let stopReason: StopReason | 'interrupted' | undefined;
    while (stopReason === undefined) {
      const iterStart = performance.now();
      timers.sampleMs = 0;
      timers.learnMs = 0;
      timers.syncWeightsMs = 0;
      lags.length = 0;
      // An inline run awaits only settled promises; a macrotask turn lets signal handlers and timers run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      let outcome: Awaited<ReturnType<typeof iteration.run>>;
      try {
        outcome = await iteration.run(services, {
          iteration: counters.iteration,
          envSteps: counters.envSteps,
        });
      } catch (error) {
        await checkpointBeforeFailing();
        throw error;
      }
      stats.addMany(outcome.episodes.returns, outcome.episodes.lengths);
      counters = {
        iteration: counters.iteration + 1,
        envSteps: counters.envSteps + outcome.envSteps,
        episodes: stats.episodes,
        timeMs: 0,
      };
      let evaluation: EvaluationResult | undefined;
      if (evaluator !== undefined && counters.iteration % config.evaluation.interval === 0) {
        // The run's observation statistic, used frozen by the evaluator.
        evaluation = (
          await evaluator.evaluate(
            await learners.getWeights(),
            config.evaluation.episodes,
            runners.obsFilterState(),
          )
        ).summary;
      }
      const now = performance.now();
      counters.timeMs = now - startMs;
      const row: IterationResult = {
        iteration: counters.iteration,
        envSteps: counters.envSteps,
        episodes: counters.episodes,
        episodeReturnMean: stats.returnMean,
        episodeLenMean: stats.lenMean,
        envStepsPerS: outcome.envSteps / Math.max(1e-9, (now - iterStart) / 1000),
        timeMs: counters.timeMs,
        learner: outcome.learner as Record<string, MetricValue>,
        timers: { ...timers },
        sampling: weightLagMetrics(lags),
        ...(outcome.metrics ?? {}),
        ...(evaluation !== undefined ? { evaluation } : {}),
        ...(runners.numRestarts > 0 ? { runnerRestarts: runners.numRestarts } : {}),
      };
      last = row;
      metrics.log(row);
      const histogramEvery = config.metrics.weightHistogramInterval;
      if (config.metrics.tensorboard && histogramEvery > 0 && counters.iteration % histogramEvery === 0)
        metrics.logWeights(counters.envSteps, await learners.getWeights());
      writeRuntimeSnapshot(runDir, {
        envRunners: runners.numRunners,
        envRunnerMode: useActors ? 'actors' : 'inline',
        envRunnerRestarts: runners.numRestarts,
        learners: config.learners.numLearners,
        numGpusPerLearner: config.learners.numGpusPerLearner,
      });
      if (options.onEpisode !== undefined) {
        const { returns, lengths } = outcome.episodes;
        for (let k = 0; k < returns.length; k++) {
          await options.onEpisode({
            episodeReturn: returns[k]!,
            length: lengths[k]!,
            iteration: counters.iteration,
            envSteps: counters.envSteps,
          });
        }
      }
      await options.onIteration?.(row);
      stopReason = shouldStop(config.stop, row);
      if (stopReason === undefined && (interrupted || options.signal?.aborted === true))
        stopReason = 'interrupted';
      const { interval, intervalMs } = config.checkpoint;
      const atEnd = stopReason !== undefined && (config.checkpoint.atEnd || stopReason === 'interrupted');
      const byIterations = interval > 0 && counters.iteration % interval === 0;
      const byTime = intervalMs > 0 && performance.now() - lastCheckpointMs >= intervalMs;
      if (atEnd || byIterations || byTime) await checkpoint();
    }
    writeRunEnded(runDir, stopReason === 'interrupted' ? stopReason : stopReason.message);
    return { runDir, last, stopReason, checkpointDir, runnerRestarts: runners.numRestarts };
  } catch (error) {
    try {
      writeRunEnded(runDir, 'failed');
    } catch {
      // the run's own error is the one to report
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await iteration?.close?.();
    await evaluator?.close();
    await learners?.close();
    await runners.close();
    if (ownsRuntime) await shutdown();
  }
}

/** The snapshot's `obsFilter` field, present only when normalisation is on. */
function obsFilterField(obsFilter: RunningMeanStdState | undefined): { obsFilter?: RunningMeanStdState } {
  return obsFilter === undefined ? {} : { obsFilter };
}
