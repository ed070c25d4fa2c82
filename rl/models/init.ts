/**
 * Seeded weight initialisers in plain JS, so the same seed gives the same weights on every backend.
 *
 * Orthogonal init follows Saxe et al. 2014 ("Exact solutions to the nonlinear dynamics of learning in
 * deep linear neural networks", arXiv:1312.6120) as `torch.nn.init.orthogonal_` does: QR of a Gaussian
 * matrix, signs fixed by diag(R), scaled by `gain`. CleanRL's `layer_init` (cleanrl/ppo.py) uses it with
 * gain sqrt(2) on hidden layers, 0.01 on the policy head and 1 on the value head, biases 0.
 */
import type { Rng } from '../../envs/spaces/space.js';

/** How a dense or conv kernel is initialised. */
export type InitKind = 'orthogonal' | 'glorot';

/** A standard normal draw (Box-Muller) from any {@link Rng}. */
export function normalDraw(rng: Rng): number {
  const u1 = 1 - rng.next(); // in (0, 1]: finite log
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A `rows x cols` row-major matrix with orthonormal rows or columns (whichever are fewer), times `gain`.
 * For a dense kernel `[fanIn, fanOut]` pass rows = fanIn, cols = fanOut.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  // Work on the tall orientation [n, k] with n >= k, orthonormalise its k columns (modified
  // Gram-Schmidt: a Gaussian matrix is well conditioned, so one pass is accurate to ~1e-12), then
  // transpose back if needed. Column signs come out as sign(diag(R)) fixes them in torch.
  const transpose = rows < cols;
  const n = transpose ? cols : rows;
  const k = transpose ? rows : cols;
  const q = new Float64Array(n * k); // column-major: column j at [j*n, (j+1)*n)
  for (let i = 0; i < q.length; i++) q[i] = normalDraw(rng);
  for (let j = 0; j < k; j++) {
    const cj = j * n;
    for (let p = 0; p < j; p++) {
      const cp = p * n;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (q[cp + i] as number) * (q[cj + i] as number);
      for (let i = 0; i < n; i++) q[cj + i] = (q[cj + i] as number) - dot * (q[cp + i] as number);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (q[cj + i] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) q[cj + i] = (q[cj + i] as number) / norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Tall case: element (r, c) is q[c*n + r]; wide case: element (r, c) is q^T, i.e. q[r*n + c].
      out[r * cols + c] = gain * (transpose ? (q[r * n + c] as number) : (q[c * n + r] as number));
    }
  }
  return out;
}

/**
 * Glorot/Xavier uniform (Glorot & Bengio 2010): U(-l, l) with l = gain * sqrt(6 / (fanIn + fanOut)).
 */
export function glorotUniform(
  size: number,
  fanIn: number,
  fanOut: number,
  gain: number,
  rng: Rng,
): Float32Array {
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

/** A kernel of `size` values with fan-in `fanIn` (rows of the 2D view) and fan-out `fanOut`. */
export function initKernel(
  kind: InitKind,
  fanIn: number,
  fanOut: number,
  gain: number,
  rng: Rng,
): Float32Array {
  return kind === 'orthogonal'
    ? orthogonal(fanIn, fanOut, gain, rng)
    : glorotUniform(fanIn * fanOut, fanIn, fanOut, gain, rng);
}
