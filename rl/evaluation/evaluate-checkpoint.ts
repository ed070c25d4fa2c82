/**
 * `rl evaluate`: loads a checkpoint, rebuilds the policy from its config and weights, runs M episodes
 * (deterministic unless the config's `evaluation.deterministic` is false) and writes the result to
 * `<checkpoint>/evaluation.json`. With `render`, one episode is drawn: as an animated GIF of the env's
 * own rgb_array frames where the env renders them (Python envs made with render_mode='rgb_array',
 * served over the env protocol; CartPole-v1 made with renderMode 'rgb_array'), else as text frames
 * (classic control).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnyAlgorithmDefinition, EpisodeSummary } from '../algorithm.js';
import { initBackend } from '../backend/backend.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { loadCheckpoint, resolveCheckpointDir } from '../checkpoint/index.js';
import { buildConfigSchema, type CommonConfig } from '../config/common.js';
import { buildEnvRunner } from '../env-runner/build-env-runner.js';
import { NormalizeVectorObservation } from '../env-runner/normalize-vector-observation.js';
import type { EvaluationResult } from '../metrics/iteration-result.js';
import { buildContext, evaluationRunnerSpec } from '../training/build-run.js';
import { readSavedObsFilter } from '../training/saved-obs-filter.js';
import { encodeGif, type RgbFrame } from './encode-gif.js';
import { Evaluator } from './evaluator.js';
import { renderFrame } from './render-frame.js';

/** Options of {@link evaluateCheckpoint}. */
export interface EvaluateCheckpointOptions {
  /** Finds the algorithm named in the checkpoint (`getAlgorithm` from algorithms/index.ts). */
  readonly resolveAlgorithm: (name: string) => AnyAlgorithmDefinition;
  /** Episodes to run. @default the config's `evaluation.episodes` */
  readonly episodes?: number;
  /** Another env id with the same spaces (e.g. a remote copy of the env). */
  readonly env?: string;
  /** Draw one episode as text frames through `onFrame`. @default false */
  readonly render?: boolean;
  /** Receives each text frame (the CLI writes it to the terminal). */
  readonly onFrame?: (frame: string) => void;
  /** Where the GIF goes when the env renders rgb_array frames. @default `<checkpoint>/episode.gif` */
  readonly gifPath?: string;
  /** Frames per second of the GIF. @default 30 */
  readonly fps?: number;
  /** Write `evaluation.json` beside the checkpoint. @default true */
  readonly writeResult?: boolean;
}

/** What {@link evaluateCheckpoint} returns. */
export interface CheckpointEvaluation {
  readonly checkpointDir: string;
  readonly algorithm: string;
  readonly envId: string;
  readonly summary: EvaluationResult;
  readonly episodes: EpisodeSummary;
  /** With `render` on an env that renders rgb_array frames: the GIF written. */
  readonly gif?: { readonly path: string; readonly frames: number };
}

/**
 * Evaluates the checkpoint at `path` (a checkpoint directory, or a run / checkpoints directory: the
 * latest checkpoint in it).
 * @throws CheckpointError when the checkpoint is missing, corrupt or incompatible (its spaces differ
 *   from `options.env`'s); ConfigError when its config does not validate.
 */
export async function evaluateCheckpoint(
  path: string,
  options: EvaluateCheckpointOptions,
): Promise<CheckpointEvaluation> {
  const dir = resolveCheckpointDir(path);
  const loaded = loadCheckpoint(dir);
  const algorithm = options.resolveAlgorithm(loaded.algorithm);
  const schema = buildConfigSchema(algorithm.trainingSchema);
  const raw = structuredClone(loaded.config) as Record<string, unknown>;
  if (options.env !== undefined) raw['env'] = { ...(raw['env'] as object), id: options.env };
  const config = schema.parse(raw, '') as unknown as CommonConfig;
  await initBackend({ backend: config.backend });
  const ctx = await buildContext(config, algorithm);
  for (const [which, saved, now] of [
    ['observation', loaded.spaces.observation, ctx.observationSpace],
    ['action', loaded.spaces.action, ctx.actionSpace],
  ] as const) {
    if (JSON.stringify(saved) !== JSON.stringify(now)) {
      throw new CheckpointError(
        'incompatible',
        dir,
        `the ${which} space of ${config.env.id} (${JSON.stringify(now)}) differs from the checkpoint's (${JSON.stringify(saved)}).`,
      );
    }
  }
  const spec = evaluationRunnerSpec(ctx, algorithm);
  const { obsFilter } = readSavedObsFilter(loaded.state, config.env.normalizeObservations, ctx.obsSize, dir);
  const evaluator = await Evaluator.create(spec);
  let result: { summary: EvaluationResult; episodes: EpisodeSummary };
  try {
    result = await evaluator.evaluate(
      loaded.weights,
      options.episodes ?? config.evaluation.episodes,
      obsFilter,
    );
  } finally {
    await evaluator.close();
  }
  let gif: CheckpointEvaluation['gif'];
  if (options.render === true) {
    const frames = await renderEpisode(
      spec,
      loaded.weights,
      obsFilter,
      config.env.id,
      options.onFrame ?? (() => undefined),
    );
    if (frames !== undefined) {
      const path = options.gifPath ?? join(dir, 'episode.gif');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, encodeGif(frames, options.fps ?? 30));
      gif = { path, frames: frames.length };
    }
  }
  const out: CheckpointEvaluation = {
    checkpointDir: dir,
    algorithm: loaded.algorithm,
    envId: config.env.id,
    summary: result.summary,
    episodes: result.episodes,
    ...(gif === undefined ? {} : { gif }),
  };
  if (options.writeResult ?? true)
    writeFileSync(join(dir, 'evaluation.json'), `${JSON.stringify(out, null, 2)}\n`);
  return out;
}

/** A vector env that renders rgb_array frames (`VectorEnv.render`; remote: the env protocol's `render`). */
interface FrameSource {
  readonly renderMode?: string;
  render(index: number): Promise<RgbFrame>;
}

function frameSource(env: unknown): FrameSource | undefined {
  const e = env as Partial<FrameSource>;
  return e.renderMode === 'rgb_array' && typeof e.render === 'function' ? (e as FrameSource) : undefined;
}

/**
 * Runs one episode on a 1-env runner, step by step. Where the env renders rgb_array frames, returns
 * them (the first after reset, then one after every step but the last, whose env has already reset);
 * else hands a text frame per step to `onFrame` and returns undefined.
 */
async function renderEpisode(
  spec: ReturnType<typeof evaluationRunnerSpec>,
  weights: Parameters<Evaluator['evaluate']>[0],
  obsFilter: unknown,
  envId: string,
  onFrame: (frame: string) => void,
): Promise<RgbFrame[] | undefined> {
  const runner = await buildEnvRunner({ ...spec, numEnvs: 1, rolloutFragmentLength: 1 });
  try {
    runner.setWeights(weights);
    if (obsFilter !== undefined) runner.setObsFilterState(obsFilter);
    await runner.reset(spec.seed);
    const source = frameSource(runner.env);
    const frames: RgbFrame[] = [];
    if (source !== undefined) frames.push(await source.render(0));
    let total = 0;
    // The env's own state, not what the policy sees: with env.normalizeObservations, the raw
    // observation the runner's statistic standardises.
    const raw = runner.env instanceof NormalizeVectorObservation ? runner.env.rawObs : undefined;
    for (let t = 0; t < 100_000; t++) {
      const obs = raw?.slice();
      const { fragment, episodes } = await runner.sample();
      total += fragment.batch.float32('rewards')[0]!;
      if (source === undefined) onFrame(renderFrame(envId, obs ?? fragment.batch.float32('obs'), t, total));
      if (episodes.returns.length > 0) break;
      if (source !== undefined) frames.push(await source.render(0));
    }
    return source === undefined ? undefined : frames;
  } finally {
    await runner.close();
  }
}
