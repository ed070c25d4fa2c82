/**
 * A speed fix for tfjs-backend-wasm 4.22: its `BatchMatMul` / `_FusedMatMul` with `transposeA` or
 * `transposeB` set run ~5-10x slower than an explicit `Transpose` followed by a plain matMul
 * (measured here, 256x256: 54-85 ms against 4-7 ms + 4 ms). Every matMul gradient uses those flags
 * (dA = dY B^T, dB = A^T dY), so backward passes were ~30x slower than forward passes. This wraps both
 * wasm kernels: transposed operands are transposed explicitly by the wasm `Transpose` kernel first.
 *
 * Results equal the unfused ops; it also fixes a wrong result of the wasm `_FusedMatMul` with
 * `transposeB` and a bias (off by up to ~2 on a 7x5 by 5x6 test against matMul + add + relu).
 * Idempotent; a no-op without the wasm backend. initBackend applies it when it loads the wasm
 * backend, so every learner gains.
 */
import type { Tf } from './backend.js';

type KernelConfig = NonNullable<ReturnType<Tf['getKernel']>>;
type KernelFunc = KernelConfig['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];
interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: string;
}
interface BackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

const MARK = 'tsrlExplicitTranspose';

/** Wraps the wasm matMul kernels (see the module comment). */
export function patchWasmTransposedMatMul(tf: Tf): void {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose === undefined) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const orig = tf.getKernel(name, 'wasm');
    if (orig === undefined || MARK in orig.kernelFunc) continue;
    const kernelFunc = ((args: KernelArgs) => {
      const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return orig.kernelFunc(args);
      const temps: TensorInfoLike[] = [];
      const explicit = (x: TensorInfoLike): TensorInfoLike => {
        const perm = x.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
        const out = transpose.kernelFunc({
          inputs: { x } as unknown as KernelArgs['inputs'],
          backend: args.backend,
          attrs: { perm },
        }) as unknown as TensorInfoLike;
        temps.push(out);
        return out;
      };
      const inputs = { ...(args.inputs as unknown as Record<string, TensorInfoLike>) };
      if (attrs.transposeA) inputs['a'] = explicit(inputs['a']!);
      if (attrs.transposeB) inputs['b'] = explicit(inputs['b']!);
      try {
        return orig.kernelFunc({
          ...args,
          inputs: inputs as unknown as KernelArgs['inputs'],
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        });
      } finally {
        for (const t of temps) (args.backend as unknown as BackendLike).disposeData(t.dataId, true);
      }
    }) as KernelFunc;
    Object.defineProperty(kernelFunc, MARK, { value: true });
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...orig, kernelFunc });
  }
}
