/**
 * PPO's train batch and minibatches as flat typed arrays: GAE over the runners' fragments fills one
 * {@link TrainData}; each gradient step gathers its shuffled rows into a reused {@link Minibatch}.
 */
import type { Fragment } from '../../rl/algorithm.js';
import { computeGae, type GaeInput } from '../../rl/postprocessing/gae.js';
import { Columns } from '../../rl/sample-batch/columns.js';
import { type ActorCriticSpec, headSize } from './model.js';

/** Columns of a train batch or minibatch, row-aligned. */
export interface Minibatch {
  /** Rows. */
  readonly count: number;
  readonly obs: Float32Array; // [B, D]
  /** Action indexes (Discrete), vectors (Box) or component indexes (MultiDiscrete/MultiBinary). [B] or [B, k] */
  readonly actions: Float32Array;
  readonly logProbs: Float32Array; // [B]
  readonly valuePreds: Float32Array; // [B]
  readonly advantages: Float32Array; // [B]
  readonly valueTargets: Float32Array; // [B]
}

/** Width of one row of `actions`: 1 for an index, k for a Box action or k component indexes. */
export function actionWidth(spec: ActorCriticSpec): number {
  if (spec.head.kind === 'multiCategorical') return spec.head.nvec.length;
  return spec.head.kind === 'categorical' ? 1 : headSize(spec.head);
}

/** Zeroed columns for `count` rows. */
export function allocMinibatch(count: number, spec: ActorCriticSpec): Minibatch {
  return {
    count,
    obs: new Float32Array(count * spec.obsSize),
    actions: new Float32Array(count * actionWidth(spec)),
    logProbs: new Float32Array(count),
    valuePreds: new Float32Array(count),
    advantages: new Float32Array(count),
    valueTargets: new Float32Array(count),
  };
}

/** GAE (rl/postprocessing/gae.ts) per fragment, then one flat train batch. */
export function trainData(
  fragments: readonly Fragment[],
  spec: ActorCriticSpec,
  gamma: number,
  gaeLambda: number,
): Minibatch {
  const parts = fragments.map((f) => {
    const b = f.batch;
    const input: GaeInput = {
      numSteps: b.count / f.numEnvs,
      numEnvs: f.numEnvs,
      rewards: b.float32(Columns.REWARDS),
      valuePreds: b.float32(Columns.VALUE_PREDS),
      terminated: b.uint8(Columns.TERMINATED),
      truncated: b.uint8(Columns.TRUNCATED),
      gamma,
      gaeLambda,
    };
    if (f.lastValues !== undefined) input.lastValues = f.lastValues;
    if (b.has(Columns.FINAL_VALUE_PREDS)) input.finalValuePreds = b.float32(Columns.FINAL_VALUE_PREDS);
    return { b, gae: computeGae(input) };
  });
  const data = allocMinibatch(
    parts.reduce((n, p) => n + p.b.count, 0),
    spec,
  );
  const k = actionWidth(spec);
  let row = 0;
  for (const { b, gae } of parts) {
    data.obs.set(b.float32(Columns.OBS), row * spec.obsSize);
    data.actions.set(b.get(Columns.ACTIONS) as ArrayLike<number>, row * k);
    data.logProbs.set(b.float32(Columns.LOG_PROBS), row);
    data.valuePreds.set(b.float32(Columns.VALUE_PREDS), row);
    data.advantages.set(gae.advantages, row);
    data.valueTargets.set(gae.valueTargets, row);
    row += b.count;
  }
  return data;
}

/** Copies rows `rows` of `d` into `mb` (which has rows.length rows). */
export function gatherRows(d: Minibatch, rows: Uint32Array, mb: Minibatch, spec: ActorCriticSpec): void {
  const D = spec.obsSize;
  const k = actionWidth(spec);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    mb.obs.set(d.obs.subarray(r * D, (r + 1) * D), i * D);
    if (k === 1) mb.actions[i] = d.actions[r]!;
    else mb.actions.set(d.actions.subarray(r * k, (r + 1) * k), i * k);
    mb.logProbs[i] = d.logProbs[r]!;
    mb.valuePreds[i] = d.valuePreds[r]!;
    mb.advantages[i] = d.advantages[r]!;
    mb.valueTargets[i] = d.valueTargets[r]!;
  }
}

/** Rows `start .. start + count` of `mb` as views (no copy): one data-parallel learner's shard. */
export function sliceRows(mb: Minibatch, start: number, count: number, spec: ActorCriticSpec): Minibatch {
  const k = actionWidth(spec);
  const D = spec.obsSize;
  const rows = (a: Float32Array, width: number) => a.subarray(start * width, (start + count) * width);
  return {
    count,
    obs: rows(mb.obs, D),
    actions: rows(mb.actions, k),
    logProbs: rows(mb.logProbs, 1),
    valuePreds: rows(mb.valuePreds, 1),
    advantages: rows(mb.advantages, 1),
    valueTargets: rows(mb.valueTargets, 1),
  };
}
