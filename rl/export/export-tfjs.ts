/**
 * `rl export --format tfjs`: a checkpoint's deterministic action network as a TensorFlow.js Layers
 * model (`model.json` + `weights.bin`, loaded in a browser with `tf.loadLayersModel('model.json')`),
 * `policy.json` (what the output means), and a small standalone page (`index.html`, `policy.js` and
 * TensorFlow.js itself as `tf.min.js`) that runs the policy; for CartPole-v1 it balances the pole.
 * The model takes raw observations: with `env.normalizeObservations` the run's statistic is folded
 * into its first layer (./fold-obs-normalization.ts).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { AnyAlgorithmDefinition, DenseNetwork } from '../algorithm.js';
import { initBackend, requireTf } from '../backend/backend.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { readCheckpointPolicyContext } from '../policy/load-policy.js';
import { TSRL_VERSION } from '../version.js';
import { exportPageHtml, exportPageScript } from './export-page.js';
import { foldObsNormalization } from './fold-obs-normalization.js';

/** Options of {@link exportTfjs}. */
export interface ExportTfjsOptions {
  /** Finds the algorithm named in the checkpoint (`getAlgorithm` from algorithms/index.ts). */
  readonly resolveAlgorithm: (name: string) => AnyAlgorithmDefinition;
}

/** `policy.json`: how to use the model's output. */
export interface ExportedPolicyInfo {
  readonly format: 'tsrl-tfjs-policy';
  readonly tsrlVersion: string;
  readonly algorithm: string;
  readonly envId: string;
  readonly observationSpace: unknown;
  readonly actionSpace: unknown;
  /** Length of the flattened observation the model takes: input [batch, inputSize]. */
  readonly inputSize: number;
  /** `argmax` over the output for a Discrete action, or the output is the Box action (clip it). */
  readonly head: DenseNetwork['head'];
  /** True when the run normalised observations: the statistic is folded in, feed raw observations. */
  readonly obsNormalizationFolded: boolean;
  readonly checkpointDir: string;
}

/** What {@link exportTfjs} wrote. */
export interface ExportTfjsResult {
  readonly outDir: string;
  readonly files: readonly string[];
  readonly info: ExportedPolicyInfo;
}

/**
 * Exports the checkpoint at `checkpoint` (a checkpoint, checkpoints or run directory) into `outDir`.
 * @throws CheckpointError when the checkpoint is missing, corrupt, or its algorithm has no
 *   exportable network; TypeError when the weights do not fit.
 */
export async function exportTfjs(
  checkpoint: string,
  outDir: string,
  options: ExportTfjsOptions,
): Promise<ExportTfjsResult> {
  const { loaded, algorithm, config, ctx, obsFilter } = readCheckpointPolicyContext(
    checkpoint,
    options.resolveAlgorithm,
  );
  if (algorithm.deterministicNetwork === undefined) {
    throw new CheckpointError(
      'incompatible',
      loaded.dir,
      `algorithm "${algorithm.name}" has no exportable network (deterministicNetwork); ppo, dqn and sac have one.`,
    );
  }
  const actor = algorithm.deterministicNetwork(ctx, loaded.weights);
  const net = obsFilter === undefined ? actor : foldObsNormalization(actor, obsFilter);
  // The cpu backend: exporting is a few small tensors, and it needs no wasm files.
  await initBackend({ backend: 'cpu' });
  const tf = requireTf();
  const model = tf.sequential();
  net.layers.forEach((l, i) => {
    model.add(
      tf.layers.dense({
        units: l.fanOut,
        activation: l.activation,
        name: `dense${i}`,
        ...(i === 0 ? { inputShape: [net.inputSize] } : {}),
      }),
    );
  });
  net.layers.forEach((l, i) => {
    const kernel = tf.tensor2d(l.kernel, [l.fanIn, l.fanOut]);
    const bias = tf.tensor1d(l.bias);
    model.layers[i]!.setWeights([kernel, bias]);
    kernel.dispose();
    bias.dispose();
  });
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData;
      if (weights === undefined || Array.isArray(weights) || artifacts.weightSpecs === undefined)
        throw new Error('exportTfjs: tfjs returned no single weight buffer');
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weights));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `tsrl ${TSRL_VERSION}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const info: ExportedPolicyInfo = {
    format: 'tsrl-tfjs-policy',
    tsrlVersion: TSRL_VERSION,
    algorithm: loaded.algorithm,
    envId: config.env.id,
    observationSpace: loaded.spaces.observation,
    actionSpace: loaded.spaces.action,
    inputSize: net.inputSize,
    head: net.head,
    obsNormalizationFolded: obsFilter !== undefined,
    checkpointDir: loaded.dir,
  };
  writeFileSync(join(dir, 'policy.json'), `${JSON.stringify(info, null, 2)}\n`);
  writeFileSync(join(dir, 'index.html'), exportPageHtml(info));
  writeFileSync(join(dir, 'policy.js'), exportPageScript());
  const require = createRequire(import.meta.url);
  copyFileSync(require.resolve('@tensorflow/tfjs/dist/tf.min.js'), join(dir, 'tf.min.js'));
  return {
    outDir: dir,
    files: ['model.json', 'weights.bin', 'policy.json', 'index.html', 'policy.js', 'tf.min.js'],
    info,
  };
}
