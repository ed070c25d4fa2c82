import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { initBackend } from '../../../rl/backend/backend.js';
import { Mlp } from '../../../rl/models/mlp.js';
import { PolicyForward } from '../../../rl/models/policy-forward.js';

describe('PolicyForward', () => {
  const spec = { inputSize: 4, hiddenSizes: [64, 64], outputSize: 2, activation: 'tanh' as const };

  it('runs plain JS without tfjs loaded, whatever the batch size', () => {
    const pf = new PolicyForward(spec);
    expect(pf.implFor(1)).toBe('js');
    expect(pf.implFor(4096)).toBe('js');
    expect(() => pf.forward(new Float32Array(4), 1)).toThrow(
      'PolicyForward.forward: call setWeights() first.',
    );
  });

  describe('with tfjs loaded', () => {
    beforeAll(async () => {
      setLogLevel('warn');
      await initBackend({ backend: 'wasm' });
    });

    it('auto switches to tfjs above jsMaxMacs and both give the same outputs', () => {
      const mlp = new Mlp({ ...spec, seed: 3 });
      const pf = new PolicyForward(spec, { jsMaxMacs: 5000 }); // 4*64 + 64*64 + 64*2 = 4480 per row
      pf.setWeights(mlp.getWeights());
      expect(pf.implFor(1)).toBe('js');
      expect(pf.implFor(2)).toBe('tfjs');
      const x = Float32Array.from({ length: 8 }, (_, i) => i / 8 - 0.5);
      const viaTf = Array.from(pf.forward(x, 2));
      const js = new PolicyForward(spec, { impl: 'js' });
      js.setWeights(mlp.getWeights());
      const viaJs = Array.from(js.forward(x, 2));
      for (const [i, v] of viaJs.entries()) expect(v).toBeCloseTo(viaTf[i] as number, 5);
      pf.dispose();
      mlp.dispose();
    });

    it('rejects an unknown impl', () => {
      expect(() => new PolicyForward(spec, { impl: 'gpu' as never })).toThrow(
        "PolicyForward: impl (gpu) must be 'auto', 'js' or 'tfjs'.",
      );
    });
  });
});
