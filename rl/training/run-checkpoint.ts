/**
 * What a training run saves in a checkpoint and how it comes back: learner weights and optimiser
 * state (blobs), the env runners' RNG and episode state (and their envs' state where the env has a
 * state API), the episode window, the counters and the iteration's own state (e.g. a replay buffer).
 */
import type { RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import type { IterationState, LearnerState, TrainingIteration } from '../algorithm.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import type { CheckpointBlob, CheckpointCounters, CheckpointSpaces } from '../checkpoint/index.js';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint/index.js';
import type { EnvRunnerState } from '../env-runner/env-runner.js';
import type { EpisodeStatsState } from '../metrics/episode-stats.js';
import { readSavedObsFilter } from './saved-obs-filter.js';

/** Everything a run resumes from. */
export interface RunSnapshot {
  readonly counters: CheckpointCounters;
  readonly learner: LearnerState;
  readonly runners: readonly EnvRunnerState[];
  readonly episodeStats: EpisodeStatsState;
  readonly iteration: IterationState | undefined;
  /** The run's `env.normalizeObservations` statistic (saved as `state.obsFilter`), when it is on. */
  readonly obsFilter?: RunningMeanStdState;
}

const ITERATION_PREFIX = 'iteration/';

/** Writes `<checkpointsDir>/<iteration>/` atomically and returns that directory. */
export function writeRunCheckpoint(
  checkpointsDir: string,
  algorithm: string,
  config: unknown,
  spaces: CheckpointSpaces,
  snap: RunSnapshot,
): string {
  const extraBlobs: CheckpointBlob[] = (snap.iteration?.arrays ?? []).map((a) => ({
    name: `${ITERATION_PREFIX}${a.name}`,
    shape: a.shape,
    data: a.data,
  }));
  return saveCheckpoint(checkpointsDir, {
    algorithm,
    config,
    spaces,
    counters: snap.counters,
    rngStates: { runners: snap.runners.map((r) => r.rng) },
    state: {
      learnerExtra: snap.learner.extra,
      runners: snap.runners,
      episodeStats: snap.episodeStats,
      iteration: snap.iteration === undefined ? null : (snap.iteration.json ?? null),
      hasIterationState: snap.iteration !== undefined,
      ...(snap.obsFilter === undefined ? {} : { obsFilter: snap.obsFilter }),
    } as Record<string, unknown>,
    weights: snap.learner.weights,
    optimizer: snap.learner.optimizer,
    extraBlobs,
  });
}

function field<T>(
  state: Readonly<Record<string, unknown>>,
  name: string,
  dir: string,
  check: (x: unknown) => boolean,
  expected: string,
): T {
  const value = state[name];
  if (!check(value)) {
    throw new CheckpointError('corrupt', dir, `manifest.json state.${name} must be ${expected}.`);
  }
  return value as T;
}

const isObject = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Reads a checkpoint written by {@link writeRunCheckpoint}; `obs` says whether the run normalises
 * observations and their size (older layouts of the statistic are migrated: ./saved-obs-filter.ts).
 * @throws CheckpointError when it is missing, corrupt, of another algorithm, or lacks the statistic.
 */
export function readRunCheckpoint(
  dir: string,
  algorithm: string,
  obs: { readonly normalize: boolean; readonly size: number } = { normalize: false, size: 0 },
) {
  const loaded = loadCheckpoint(dir, { algorithm });
  const s = loaded.state;
  const learnerExtra = field<Record<string, unknown>>(s, 'learnerExtra', loaded.dir, isObject, 'an object');
  field<EnvRunnerState[]>(s, 'runners', loaded.dir, Array.isArray, 'an array of runner states');
  const { obsFilter, runners, migratedFrom } = readSavedObsFilter(s, obs.normalize, obs.size, loaded.dir);
  const episodeStats = field<EpisodeStatsState>(
    s,
    'episodeStats',
    loaded.dir,
    isObject,
    'an episode window state',
  );
  const iteration: IterationState | undefined =
    s['hasIterationState'] === true
      ? {
          json: s['iteration'],
          arrays: loaded.extraBlobs
            .filter((b) => b.name.startsWith(ITERATION_PREFIX))
            .map((b) => ({
              name: b.name.slice(ITERATION_PREFIX.length),
              shape: b.shape,
              data: b.data as Float32Array,
            })),
        }
      : undefined;
  const snapshot: RunSnapshot = {
    counters: loaded.counters,
    learner: { weights: loaded.weights, optimizer: loaded.optimizer, extra: learnerExtra },
    runners,
    episodeStats,
    iteration,
    ...(obsFilter === undefined ? {} : { obsFilter }),
  };
  return { loaded, snapshot, migratedFrom };
}

/** The iteration's state, when it has one. */
export async function iterationStateOf(iteration: TrainingIteration): Promise<IterationState | undefined> {
  return iteration.getState?.();
}
