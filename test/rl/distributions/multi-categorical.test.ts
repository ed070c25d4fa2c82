import type { Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../core/logger.js';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';
import { MultiCategorical } from '../../../rl/distributions/multi-categorical.js';

beforeAll(async () => {
  setLogLevel('warn');
  await initBackend({ backend: 'wasm' });
});

// nvec [2, 3]. Row 0: component 0 p = [1/4, 3/4] (logits [0, ln 3]); component 1 uniform over 3.
// Row 1: component 0 uniform; component 1 p = [1/6, 2/6, 3/6] (logits ln 1, ln 2, ln 3).
const NVEC = [2, 3];
const LOGITS = [
  [0, Math.log(3), 7, 7, 7],
  [1, 1, 0, Math.log(2), Math.log(3)],
];
const H = (ps: number[]) => -ps.reduce((s, p) => s + p * Math.log(p), 0);

describe('MultiCategorical', () => {
  it('logProb and entropy are the sums over components (hand-computed)', () => {
    const tf = requireTf();
    const [lp, ent] = tf.tidy(() => {
      const d = new MultiCategorical(tf.tensor2d(LOGITS) as Tensor2D, NVEC);
      return [
        Array.from(
          d
            .logProb(
              tf.tensor2d(
                [
                  [1, 2],
                  [0, 0],
                ],
                [2, 2],
                'int32',
              ) as Tensor2D,
            )
            .dataSync(),
        ),
        Array.from(d.entropy().dataSync()),
      ];
    });
    expect(lp[0]).toBeCloseTo(Math.log(0.75) + Math.log(1 / 3), 5);
    expect(lp[1]).toBeCloseTo(Math.log(0.5) + Math.log(1 / 6), 5);
    expect(ent[0]).toBeCloseTo(H([0.25, 0.75]) + Math.log(3), 5);
    expect(ent[1]).toBeCloseTo(Math.log(2) + H([1 / 6, 2 / 6, 3 / 6]), 5);
    expect(() => new MultiCategorical(tf.tensor2d([[0, 0]]) as Tensor2D, NVEC)).toThrow(
      'logits width (2) must be sum(nvec) = 5',
    );
  });

  it('sampleInto: argmax per component when deterministic, frequencies near p otherwise, log-probs summed', () => {
    const logits = Float32Array.from(LOGITS.flat());
    const actions = new Int32Array(4);
    const logProbs = new Float32Array(2);
    MultiCategorical.sampleInto(logits, 2, NVEC, SeededRng.fromSeed(0), actions, logProbs, true);
    expect([...actions.subarray(0, 2)]).toEqual([1, 0]);
    expect(actions[3]).toBe(2);
    expect(logProbs[1]).toBeCloseTo(Math.log(0.5) + Math.log(0.5), 5);
    const rng = SeededRng.fromSeed(1);
    const counts = [0, 0, 0];
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      MultiCategorical.sampleInto(logits, 2, NVEC, rng, actions, logProbs);
      counts[actions[3]!]!++;
    }
    [1 / 6, 2 / 6, 3 / 6].forEach((p, k) => {
      expect(counts[k]! / n).toBeCloseTo(p, 1);
    });
    expect(() => MultiCategorical.sampleInto(logits, 3, NVEC, rng, actions)).toThrow(RangeError);
  });
});
