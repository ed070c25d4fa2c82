/**
 * The `env.normalizeObservations` statistic a checkpoint holds: one per run, `state.obsFilter` in
 * manifest.json. Checkpoints of older tsrl versions kept it elsewhere and are migrated on load:
 *
 * - `state.runners[i].obsFilter` (one statistic in the single env runner's state, when several
 *   runners were refused): taken as the run's;
 * - `state.runners[i].env.envs[j].rms` (a NormalizeObservation wrapper around every env, one
 *   statistic per env): the per-env statistics are merged into one with the parallel-variance formula
 *   of Chan, Golub and LeVeque (1979), as if one statistic had seen every observation, and each env's
 *   saved state is unwrapped (`envs[j].env`) so that it restores into envs built without the wrapper.
 */
import { RunningMeanStd, type RunningMeanStdState } from '../../envs/wrappers/running-mean-std.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import type { EnvRunnerState } from '../env-runner/env-runner.js';

/** The run's statistic and the runner states to restore, older layouts migrated. */
export interface SavedObsFilter {
  /** Undefined when normalisation is off. */
  readonly obsFilter: RunningMeanStdState | undefined;
  readonly runners: readonly EnvRunnerState[];
  /** Which older layout was migrated, for a log line; undefined when none. */
  readonly migratedFrom: string | undefined;
}

type Json = Record<string, unknown>;
const isRecord = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Reads the statistic of a checkpoint whose config has `normalize` = `env.normalizeObservations`.
 * @throws CheckpointError (`corrupt`) naming the field when a statistic is malformed or of another size
 *   than `obsSize`; (`incompatible`) when normalisation is on and no statistic is found anywhere.
 */
export function readSavedObsFilter(
  state: Readonly<Json>,
  normalize: boolean,
  obsSize: number,
  dir: string,
): SavedObsFilter {
  const runners = (Array.isArray(state['runners']) ? state['runners'] : []) as EnvRunnerState[];
  if (!normalize) return { obsFilter: undefined, runners, migratedFrom: undefined };
  const read = (x: unknown, field: string): RunningMeanStd => {
    const rms = new RunningMeanStd(obsSize);
    try {
      rms.setState(x, `manifest.json ${field}`);
    } catch (error) {
      throw new CheckpointError('corrupt', dir, (error as Error).message);
    }
    return rms;
  };
  if (state['obsFilter'] !== undefined) {
    return {
      obsFilter: read(state['obsFilter'], 'state.obsFilter').getState(),
      runners,
      migratedFrom: undefined,
    };
  }
  const perRunner = runners.map((r) => (r as unknown as Json)['obsFilter']);
  if (perRunner.length > 0 && perRunner.every((f) => f !== undefined)) {
    // One runner was all these versions allowed; should there be several, each saw its own observations.
    const stats = perRunner.map((f, i) => read(f, `state.runners[${i}].obsFilter`));
    const obsFilter = stats.length === 1 ? stats[0]!.getState() : mergeAll(obsSize, stats);
    return { obsFilter, runners, migratedFrom: 'state.runners[i].obsFilter' };
  }
  const perEnv = runners.map((r) => envWrapperStates(r));
  if (perEnv.length > 0 && perEnv.every((e) => e !== undefined)) {
    const stats = perEnv.flatMap((envs, i) =>
      envs!.map((e, j) => read(e['rms'], `state.runners[${i}].env.envs[${j}].rms`)),
    );
    const unwrapped = runners.map((r, i) => unwrapEnvStates(r, perEnv[i]!));
    return {
      obsFilter: mergeAll(obsSize, stats),
      runners: unwrapped,
      migratedFrom: 'state.runners[i].env.envs[j].rms (one statistic per env, merged)',
    };
  }
  throw new CheckpointError(
    'incompatible',
    dir,
    'env.normalizeObservations is on but the checkpoint holds no observation statistic ' +
      '(manifest.json state.obsFilter; older checkpoints: state.runners[i].obsFilter or ' +
      'state.runners[i].env.envs[j].rms). Without it the policy would see unnormalised observations: ' +
      'train it again with this tsrl.',
  );
}

/** Chan et al.'s merge of several statistics into one that starts from no samples. */
function mergeAll(obsSize: number, stats: readonly RunningMeanStd[]): RunningMeanStdState {
  const merged = RunningMeanStd.empty(obsSize);
  for (const s of stats) merged.merge(s);
  return merged.getState();
}

/** The per-env wrapper states `{ rms, env }` of a runner's saved vector env, or undefined. */
function envWrapperStates(runner: EnvRunnerState): Json[] | undefined {
  const env = (runner as unknown as Json)['env'];
  const envs = isRecord(env) ? env['envs'] : undefined;
  if (!Array.isArray(envs) || envs.length === 0) return undefined;
  return envs.every((e) => isRecord(e) && e['rms'] !== undefined) ? (envs as Json[]) : undefined;
}

/** The runner state with every env's wrapper state replaced by the wrapped env's (or no env state). */
function unwrapEnvStates(runner: EnvRunnerState, envs: readonly Json[]): EnvRunnerState {
  const { env, ...rest } = runner as EnvRunnerState & { env: Json };
  // A wrapped env without a state API saved null: these envs cannot be restored exactly, so the
  // resumed runner resets them (and says so).
  if (envs.some((e) => !isRecord(e['env']))) return rest as EnvRunnerState;
  return { ...rest, env: { ...env, envs: envs.map((e) => e['env']) } } as EnvRunnerState;
}
