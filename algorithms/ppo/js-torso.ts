/**
 * The shared conv torso of ./model.ts (`torsoOf`) in plain JS, for env runners: their policy step must
 * not read tensors back synchronously (webgpu in Node cannot), and at a runner's batch sizes plain
 * loops beat per-kernel overhead. The same math as ./network.ts `torsoForward` (tested against it).
 */
import { activate } from '../../rl/models/js-mlp.js';
import { type ActorCriticSpec, type ConvEntry, type Dense, torsoOf } from './model.js';

/** See the module comment. */
export class JsTorso {
  private readonly spec: ActorCriticSpec;
  private readonly convs: ConvEntry[];
  private readonly dense: Dense[];
  private weights: ReadonlyMap<string, Float32Array> = new Map();
  /** Features per row. */
  readonly outSize: number;

  /** @throws TypeError when the spec has no conv torso. */
  constructor(spec: ActorCriticSpec) {
    if (spec.conv === undefined) throw new TypeError('JsTorso: the spec has no conv torso.');
    this.spec = spec;
    const t = torsoOf(spec);
    this.convs = t.convs;
    this.dense = t.dense;
    this.outSize = t.outSize;
  }

  setWeights(byName: ReadonlyMap<string, Float32Array>): void {
    this.weights = byName;
  }

  /** Features [rows, outSize] of `obs` [rows, H*W*C] (channel last). */
  forward(obs: Float32Array, rows: number): Float32Array {
    const [H0, W0, C0] = this.spec.conv!.imageShape;
    let x = obs;
    let [H, W, C] = [H0, W0, C0];
    for (const l of this.convs) {
      const k = l.kernelSize;
      const oh = Math.floor((H - k) / l.stride) + 1;
      const ow = Math.floor((W - k) / l.stride) + 1;
      const F = l.filters;
      const kernel = this.weights.get(l.kernel)!; // [k, k, C, F]
      const bias = this.weights.get(l.bias)!;
      const out = new Float32Array(rows * oh * ow * F);
      const acc = new Float64Array(F);
      for (let b = 0; b < rows; b++) {
        const xb = b * H * W * C;
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++) {
            for (let f = 0; f < F; f++) acc[f] = bias[f]!;
            for (let ky = 0; ky < k; ky++) {
              for (let kx = 0; kx < k; kx++) {
                const xi = xb + ((oy * l.stride + ky) * W + (ox * l.stride + kx)) * C;
                const ki = (ky * k + kx) * C * F;
                for (let c = 0; c < C; c++) {
                  const v = x[xi + c]!;
                  if (v === 0) continue; // pixel observations are mostly zeros
                  const kc = ki + c * F;
                  for (let f = 0; f < F; f++) acc[f]! += v * kernel[kc + f]!;
                }
              }
            }
            const o = ((b * oh + oy) * ow + ox) * F;
            for (let f = 0; f < F; f++) out[o + f] = Math.max(acc[f]!, 0);
          }
        }
      }
      x = out;
      [H, W, C] = [oh, ow, F];
    }
    const activation = this.spec.activation;
    let width = H * W * C;
    for (const d of this.dense) {
      const kernel = this.weights.get(d.kernel)!; // [in, out]
      const bias = this.weights.get(d.bias)!;
      const out = new Float32Array(rows * d.fanOut);
      const acc = new Float64Array(d.fanOut);
      for (let b = 0; b < rows; b++) {
        for (let j = 0; j < d.fanOut; j++) acc[j] = bias[j]!;
        const xb = b * width;
        for (let i = 0; i < width; i++) {
          const v = x[xb + i]!;
          if (v === 0) continue; // after ReLU, many zeros
          const ki = i * d.fanOut;
          for (let j = 0; j < d.fanOut; j++) acc[j]! += v * kernel[ki + j]!;
        }
        for (let j = 0; j < d.fanOut; j++) out[b * d.fanOut + j] = activate(activation, acc[j]!);
      }
      x = out;
      width = d.fanOut;
    }
    return x;
  }
}
