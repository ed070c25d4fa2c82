/**
 * Observation preprocessing for every space: what a model's input row is, given the observation space.
 *
 * Observations reach runners and learners already flattened by `Space.flattenInto` (envs/vector:
 * Discrete one-hot, Box flat row-major, MultiDiscrete one-hot per component, MultiBinary 0/1, Tuple and
 * Dict concatenated in order, as Gymnasium's `flatten`). On top of that, image observations (a uint8
 * Box of shape [H, W, C] or [H, W] with bounds [0, 255], Stable-Baselines3's `is_image_space` in
 * stable_baselines3/common/preprocessing.py) are scaled to [0, 1] (CleanRL's Atari agents divide by 255,
 * cleanrl/ppo_atari.py) and carry their [H, W, C] shape for a CNN.
 */

import type { Space, SpaceJson, SpaceValue } from '../../envs/spaces/space.js';
import { spaceFromJson } from '../../envs/spaces/space-from-json.js';

/** Which model family fits the observation. */
export type ObsKind = 'flat' | 'image';

/** Options of {@link createPreprocessor}. */
export interface PreprocessOptions {
  /** Divide image observations by 255. @default true */
  readonly scaleImages?: boolean;
}

/** Turns flattened observations into model inputs. */
export interface ObsPreprocessor {
  /** The observation space. */
  readonly space: Space;
  /** `flat` for an MLP, `image` for a CNN. */
  readonly kind: ObsKind;
  /** Features per row: the space's `flatSize`. */
  readonly size: number;
  /** [H, W, C] of an image observation; undefined for `flat`. */
  readonly imageShape: readonly [number, number, number] | undefined;
  /** The factor applied to every feature (1 / 255 for scaled images, else 1). */
  readonly scale: number;
  /**
   * Model inputs for `rows` flattened observations [rows, size] (as a VectorEnv gives them): `flat`
   * itself when no scaling applies, else a scaled copy written to `out` (allocated when omitted).
   * @throws RangeError when `flat` is shorter than rows x size.
   */
  apply(flat: Float32Array, rows: number, out?: Float32Array): Float32Array;
  /** Writes one raw observation (a space value) as a model-input row into `out` at `offset`. */
  writeRow(value: SpaceValue, out: Float32Array, offset: number): void;
}

/** True for a uint8 Box of shape [H, W, C] or [H, W] whose bounds are all [0, 255]. */
export function isImageSpace(json: SpaceJson): boolean {
  if (json.type !== 'Box' || json.dtype !== 'uint8') return false;
  if (json.shape.length !== 3 && json.shape.length !== 2) return false;
  return json.low.every((l) => l === 0) && json.high.every((h) => h === 255);
}

/**
 * The preprocessor for an observation space (a Space or its JSON form).
 * @throws SpaceJsonError (from envs/spaces) when the JSON is not a valid space.
 */
export function createPreprocessor(
  space: Space | SpaceJson,
  options: PreprocessOptions = {},
): ObsPreprocessor {
  const built: Space = 'flatSize' in space ? space : spaceFromJson(space, 'observationSpace');
  const json = built.toJson();
  const image = isImageSpace(json) && json.type === 'Box';
  const imageShape: readonly [number, number, number] | undefined =
    image && json.type === 'Box'
      ? [json.shape[0] as number, json.shape[1] as number, (json.shape[2] as number | undefined) ?? 1]
      : undefined;
  const scale = image && (options.scaleImages ?? true) ? 1 / 255 : 1;
  const size = built.flatSize;
  return {
    space: built,
    kind: image ? 'image' : 'flat',
    size,
    imageShape,
    scale,
    apply(flat: Float32Array, rows: number, out?: Float32Array): Float32Array {
      const n = rows * size;
      if (flat.length < n) {
        throw new RangeError(
          `preprocess: observations have ${flat.length} values, need rows x size = ${rows} x ${size}.`,
        );
      }
      if (scale === 1) return flat.length === n ? flat : flat.subarray(0, n);
      const target = out ?? new Float32Array(n);
      for (let i = 0; i < n; i++) target[i] = (flat[i] as number) * scale;
      return target;
    },
    writeRow(value: SpaceValue, out: Float32Array, offset: number): void {
      built.flattenInto(value, out, offset);
      if (scale !== 1) for (let i = offset; i < offset + size; i++) out[i] = (out[i] as number) * scale;
    },
  };
}
