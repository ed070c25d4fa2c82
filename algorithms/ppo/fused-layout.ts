/**
 * The actor and the critic as ONE wider MLP for the learner's forward/backward passes: layer 0 puts
 * their kernels side by side ([D, Ha + Hc]), deeper layers put them on a block diagonal
 * ([Ha + Hc, Ha' + Hc'], zeros off the diagonal), the output is [B, A + 1] = [head | V]. Both networks
 * then cost one matMul per layer instead of two (tfjs kernel launches dominate at this size,
 * FACTS.md); the off-diagonal gradients are simply not read back. Numerically the same networks.
 */
import type { layersOf } from './model.js';

type Layers = ReturnType<typeof layersOf>;

/** Where each weight lives in the flat parameter array. */
export interface LayoutEntry {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** One fused layer, as host arrays to upload. */
export interface FusedLayer {
  readonly kernel: Float32Array; // [fanIn, fanOut] row-major
  readonly bias: Float32Array; // [fanOut]
  readonly fanIn: number;
  readonly fanOut: number;
}

/** Builds fused layers from `theta` and scatters fused gradients back (see the module comment). */
export class FusedActorCritic {
  private readonly fused: FusedLayer[];
  private readonly offsets: Map<string, number>;

  constructor(
    private readonly layers: Layers,
    layout: readonly LayoutEntry[],
  ) {
    if (layers.actor.length !== layers.critic.length) {
      throw new RangeError('FusedActorCritic: actor and critic must have the same depth.');
    }
    this.offsets = new Map(layout.map((l) => [l.name, l.offset]));
    this.fused = layers.actor.map((a, i) => {
      const c = layers.critic[i]!;
      const fanIn = i === 0 ? a.fanIn : a.fanIn + c.fanIn;
      const fanOut = a.fanOut + c.fanOut;
      return { kernel: new Float32Array(fanIn * fanOut), bias: new Float32Array(fanOut), fanIn, fanOut };
    });
  }

  /** The fused layers filled from `theta` (arrays reused between calls). */
  build(theta: Float32Array): readonly FusedLayer[] {
    this.fused.forEach((f, i) => {
      const a = this.layers.actor[i]!;
      const c = this.layers.critic[i]!;
      const ka = this.offsets.get(a.kernel)!;
      const kc = this.offsets.get(c.kernel)!;
      const rowOffsetC = i === 0 ? 0 : a.fanIn;
      for (let r = 0; r < a.fanIn; r++) {
        f.kernel.set(theta.subarray(ka + r * a.fanOut, ka + (r + 1) * a.fanOut), r * f.fanOut);
      }
      for (let r = 0; r < c.fanIn; r++) {
        f.kernel.set(
          theta.subarray(kc + r * c.fanOut, kc + (r + 1) * c.fanOut),
          (rowOffsetC + r) * f.fanOut + a.fanOut,
        );
      }
      const ba = this.offsets.get(a.bias)!;
      const bc = this.offsets.get(c.bias)!;
      f.bias.set(theta.subarray(ba, ba + a.fanOut), 0);
      f.bias.set(theta.subarray(bc, bc + c.fanOut), a.fanOut);
    });
    return this.fused;
  }

  /** Writes the actor's and critic's blocks of the fused gradients (`[dKernel, dBias]` per layer) into `grad`. */
  scatter(fusedGrads: readonly Float32Array[], grad: Float32Array): void {
    this.fused.forEach((f, i) => {
      const a = this.layers.actor[i]!;
      const c = this.layers.critic[i]!;
      const dK = fusedGrads[2 * i]!;
      const dB = fusedGrads[2 * i + 1]!;
      const ka = this.offsets.get(a.kernel)!;
      const kc = this.offsets.get(c.kernel)!;
      const rowOffsetC = i === 0 ? 0 : a.fanIn;
      for (let r = 0; r < a.fanIn; r++) {
        grad.set(dK.subarray(r * f.fanOut, r * f.fanOut + a.fanOut), ka + r * a.fanOut);
      }
      for (let r = 0; r < c.fanIn; r++) {
        const from = (rowOffsetC + r) * f.fanOut + a.fanOut;
        grad.set(dK.subarray(from, from + c.fanOut), kc + r * c.fanOut);
      }
      grad.set(dB.subarray(0, a.fanOut), this.offsets.get(a.bias)!);
      grad.set(dB.subarray(a.fanOut, a.fanOut + c.fanOut), this.offsets.get(c.bias)!);
    });
  }
}
