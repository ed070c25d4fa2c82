/**
 * The body of `rl train`, loaded only when the command runs: resolves the config (defaults < preset
 * file < flags), picks the run directory, shows progress and runs the training driver.
 */
import { dirname, join, resolve } from 'node:path';
import { setLogSink } from '../../core/logger.js';
import { loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { buildConfigSchema } from '../config/common.js';
import { ConfigError } from '../config/config-error.js';
import { didYouMean } from '../config/did-you-mean.js';
import { loadConfigFile, resolveConfig } from '../config/resolve.js';
import { ProgressDisplay } from '../progress/progress-display.js';
import { train } from '../training/train.js';
import type { TrainFlags } from './commands/train.js';
import { UsageError } from './usage-error.js';
import type { CliWiring } from './wiring.js';

/** `--seed`, `--stop-*` and `--backend` are shorthands for `--set` overrides, applied after them. */
function flagOverrides(flags: TrainFlags): string[] {
  const sets: string[] = [];
  if (flags.seed !== undefined) sets.push(`seed=${flags.seed}`);
  if (flags.backend !== undefined) sets.push(`backend=${flags.backend}`);
  if (flags.stopIterations !== undefined) sets.push(`stop.iterations=${flags.stopIterations}`);
  if (flags.stopEnvSteps !== undefined) sets.push(`stop.envSteps=${flags.stopEnvSteps}`);
  if (flags.stopTimeMs !== undefined) sets.push(`stop.timeMs=${flags.stopTimeMs}`);
  if (flags.stopReturn !== undefined) sets.push(`stop.episodeReturnMean=${flags.stopReturn}`);
  return [...(flags.set ?? []), ...sets];
}

/** The algorithm to run: --algo, else the checkpoint's, else the preset's `algo` key. */
function chooseAlgorithm(flags: TrainFlags, checkpointAlgo: string | undefined, wiring: CliWiring): string {
  let name = flags.algo ?? checkpointAlgo;
  if (name === undefined && flags.config !== undefined) {
    const fileAlgo = loadConfigFile(flags.config).data['algo'];
    if (typeof fileAlgo === 'string') name = fileAlgo;
  }
  if (name === undefined) {
    throw new UsageError(
      `--algo is required (or an "algo" key in the config file); one of: ${wiring.algorithmNames.join(', ')}.`,
    );
  }
  if (!wiring.algorithmNames.includes(name)) {
    const near = didYouMean(name, wiring.algorithmNames);
    throw new UsageError(
      `--algo "${name}" is not an algorithm${near === undefined ? '' : `; did you mean "${near}"?`} ` +
        `Known: ${wiring.algorithmNames.join(', ')}.`,
    );
  }
  if (checkpointAlgo !== undefined && name !== checkpointAlgo) {
    throw new UsageError(`--algo ${name} does not match the checkpoint's algorithm (${checkpointAlgo}).`);
  }
  return name;
}

function defaultRunDir(algo: string, envId: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  const envName = envId.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'env';
  return resolve('runs', `${algo}-${envName}-${stamp}`);
}

/** Runs `rl train`. @throws UsageError on bad flags or config (exit 2); other errors fail the run (exit 1). */
export async function runTrain(flags: TrainFlags, wiring: CliWiring): Promise<void> {
  const checkpoint = flags.resume === undefined ? undefined : loadCheckpoint(flags.resume);
  const algo = chooseAlgorithm(flags, checkpoint?.algorithm, wiring);
  const algorithm = await wiring.loadAlgorithm(algo);
  const refine = algorithm.refineConfig?.bind(algorithm);
  const schema = buildConfigSchema(algorithm.trainingSchema, refine === undefined ? {} : { refine });
  let config: ReturnType<typeof resolveConfig>;
  try {
    config = resolveConfig({
      schema,
      algo,
      ...(checkpoint === undefined
        ? {}
        : { base: checkpoint.config, baseSource: `checkpoint ${checkpoint.dir}` }),
      ...(flags.config === undefined ? {} : { file: flags.config }),
      sets: flagOverrides(flags),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  // A resumed run continues in its own run directory (runs/<run>/checkpoints/<iteration>).
  const runDir =
    flags.output !== undefined
      ? resolve(flags.output)
      : checkpoint !== undefined
        ? dirname(dirname(checkpoint.dir))
        : defaultRunDir(algo, config.env.id);

  const display = new ProgressDisplay({
    stream: wiring.stdout,
    infoStream: wiring.stderr,
    json: flags.json === true,
    stop: config.stop,
  });
  const previousSink = display.mode === 'tty' ? setLogSink(display.logSink()) : undefined;
  try {
    display.start({ algo, envId: config.env.id, runDir });
    const result = await train(config, {
      algorithm,
      runDir,
      onIteration: (row) => display.update(row),
      ...(checkpoint === undefined ? {} : { resumeFrom: checkpoint.dir }),
    });
    display.finish({
      ...(result.stopReason === 'interrupted' ? { interrupted: true } : { reason: result.stopReason }),
      runDir: result.runDir,
      ...(result.checkpointDir === undefined ? {} : { checkpointDir: result.checkpointDir }),
    });
    const expected = config.expect?.episodeReturnMean;
    const reached = result.last?.episodeReturnMean;
    if (expected !== undefined && typeof reached === 'number') {
      const verdict = reached >= expected ? 'reached' : 'did not reach';
      display.message(`mean return ${reached.toFixed(1)} ${verdict} the preset's expected ${expected}`);
    }
    display.message(`run directory: ${join(result.runDir)}`);
  } finally {
    if (previousSink !== undefined) setLogSink(previousSink);
  }
}
