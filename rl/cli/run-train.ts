/**
 * The body of `rl train`, loaded only when the command runs: resolves the config (defaults < preset
 * file < flags), picks the run directory, shows progress and runs the training driver.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseHostPort } from '../../core/cluster/bind-policy.js';
import { setLogSink } from '../../core/logger.js';
import { loadCheckpoint } from '../checkpoint/load-checkpoint.js';
import { buildConfigSchema } from '../config/common.js';
import { ConfigError } from '../config/config-error.js';
import { didYouMean } from '../config/did-you-mean.js';
import { loadConfigFile, resolveConfig } from '../config/resolve.js';
import { ProgressDisplay } from '../progress/progress-display.js';
import { train } from '../training/train.js';
import type { TrainFlags } from './commands/train.js';
import { expectVerdict } from './expect-verdict.js';
import { UsageError } from './usage-error.js';
import type { CliWiring } from './wiring.js';

/** `--seed`, `--stop-*` and `--backend` are shorthands for `--set` overrides, applied after them. */
function flagOverrides(flags: TrainFlags): string[] {
  const sets: string[] = [];
  if (flags.seed !== undefined) sets.push(`seed=${flags.seed}`);
  // --backend is checked by its own parser (commands/train.ts), so a bad value names the flag.
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
  if (flags.keyFile !== undefined && flags.address === undefined) {
    throw new UsageError('--key-file is the key of the cluster given by --address; add --address HOST:PORT');
  }
  if (flags.address !== undefined) {
    try {
      parseHostPort(flags.address, '--address');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
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

/** What a run writes into its directory (the rest of a directory is left alone by --force). */
const RUN_FILES = ['results.jsonl', 'progress.csv', 'config.yaml', 'config.json', 'checkpoints'];

/**
 * Refuses a run directory that holds another run (two runs would mix: results overwritten, old
 * checkpoints kept), unless this run resumes in it; `--force` deletes the old run's files first.
 * @throws UsageError naming the directory and the two ways out.
 */
function claimRunDir(runDir: string, flags: TrainFlags, resumesHere: boolean): void {
  if (!existsSync(runDir) || resumesHere) return;
  const old = readdirSync(runDir).filter((name) => RUN_FILES.includes(name) || name.startsWith('events.'));
  if (old.length === 0) return;
  if (flags.force !== true) {
    throw new UsageError(
      `--output ${runDir} already holds a run (${old.join(', ')}); choose another directory, ` +
        `continue it with --resume ${runDir}, or replace it with --force.`,
    );
  }
  for (const name of old) rmSync(join(runDir, name), { recursive: true, force: true });
}

/** The env id the config file names (whose `expect` block is written for it), if it names one. */
function presetEnvId(flags: TrainFlags, fromCheckpoint: unknown): string | undefined {
  const data = flags.config !== undefined ? loadConfigFile(flags.config).data : fromCheckpoint;
  const env =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['env'] : undefined;
  const id = typeof env === 'object' && env !== null ? (env as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'string' ? id : undefined;
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
  const checkpointRunDir = checkpoint === undefined ? undefined : dirname(dirname(checkpoint.dir));
  const runDir =
    flags.output !== undefined
      ? resolve(flags.output)
      : (checkpointRunDir ?? defaultRunDir(algo, config.env.id));
  claimRunDir(runDir, flags, checkpointRunDir !== undefined && resolve(checkpointRunDir) === runDir);
  const expected = config.expect;
  const expectEnvId = expected === undefined ? undefined : presetEnvId(flags, checkpoint?.config);
  let reachedAtEnvSteps: number | undefined;

  const display = new ProgressDisplay({
    stream: wiring.stdout,
    infoStream: wiring.stderr,
    json: flags.json === true,
    stop: config.stop,
  });
  const previousSink = display.mode === 'tty' ? setLogSink(display.logSink()) : undefined;
  try {
    display.start({ algo, envId: config.env.id, seed: config.seed, runDir });
    const result = await train(config, {
      algorithm,
      runDir,
      onIteration: (row) => {
        const r = row.episodeReturnMean;
        if (
          reachedAtEnvSteps === undefined &&
          expected !== undefined &&
          r !== null &&
          r >= expected.episodeReturnMean
        )
          reachedAtEnvSteps = row.envSteps;
        display.update(row);
      },
      ...(checkpoint === undefined ? {} : { resumeFrom: checkpoint.dir }),
      ...(flags.address === undefined
        ? {}
        : {
            cluster: {
              address: flags.address,
              ...(flags.keyFile === undefined ? {} : { keyFile: flags.keyFile }),
            },
          }),
    });
    display.finish({
      ...(result.stopReason === 'interrupted' ? { interrupted: true } : { reason: result.stopReason }),
      ...(result.checkpointDir === undefined ? {} : { checkpointDir: result.checkpointDir }),
      ...(result.runnerRestarts > 0 ? { runnerRestarts: result.runnerRestarts } : {}),
    });
    const verdict =
      expected === undefined || result.last === undefined
        ? undefined
        : expectVerdict(expected, {
            envId: config.env.id,
            presetEnvId: expectEnvId,
            reachedAtEnvSteps,
            envSteps: result.last.envSteps,
            episodeReturnMean: result.last.episodeReturnMean,
          });
    if (verdict !== undefined) display.message(verdict);
  } finally {
    if (previousSink !== undefined) setLogSink(previousSink);
  }
}
