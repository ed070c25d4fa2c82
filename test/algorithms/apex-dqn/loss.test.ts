import { beforeAll, describe, expect, it } from 'vitest';
import { initialPriorities } from '../../../algorithms/apex-dqn/loss.js';
import { dqnLoss, dqnTarget } from '../../../algorithms/dqn/loss.js';
import { SeededRng } from '../../../envs/rng.js';
import { initBackend, requireTf } from '../../../rl/backend/backend.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe("APEX's initial priorities", () => {
  it("are |TD error| + eps of DQN's own target and loss with the runner's one network as online and target net", () => {
    const tf = requireTf();
    const rng = SeededRng.fromSeed(3);
    const B = 64;
    const A = 4;
    const eps = 1e-6;
    const q = Float32Array.from({ length: B * A }, () => rng.normal() * 3);
    // Ties in Q(s', .) on some rows: both argmaxes take the first, so the values agree.
    const nextQ = Float32Array.from({ length: B * A }, (_, i) => (i % 9 === 0 ? 1 : rng.normal() * 3));
    const actions = Int32Array.from({ length: B }, () => Math.floor(rng.next() * A));
    const rewards = Float32Array.from({ length: B }, () => rng.normal());
    // Windows of 1 to 3 steps (shorter at episode ends), a third of them terminal.
    const discounts = Float32Array.from({ length: B }, (_, i) => 0.99 ** (1 + (i % 3)));
    const terminated = Uint8Array.from({ length: B }, (_, i) => (i % 3 === 1 ? 1 : 0));

    const got = initialPriorities({ q, nextQ, actions, rewards, discounts, terminated, numActions: A }, eps);

    const want = tf.tidy(() => {
      const next = tf.tensor2d(nextQ, [B, A]);
      const targets = dqnTarget(tf, {
        nStepRewards: tf.tensor1d(rewards),
        terminated: tf.tensor1d(Float32Array.from(terminated)),
        discounts: tf.tensor1d(discounts),
        nextQTarget: next,
        nextQOnline: next,
      });
      const { tdErrors } = dqnLoss(tf, {
        qValues: tf.tensor2d(q, [B, A]),
        actions: tf.tensor1d(actions, 'int32'),
        targets,
        weights: tf.ones([B]),
      });
      return tf.add(tf.abs(tdErrors), eps).dataSync();
    });
    expect(got.length).toBe(B);
    got.forEach((p, i) => {
      expect(p).toBeGreaterThan(0);
      expect(Math.abs(p - want[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, want[i]!));
    });
    // The terminal rows do not bootstrap: their priority is |r - Q(s, a)| + eps.
    const i = 1;
    expect(got[i]).toBeCloseTo(Math.abs(rewards[i]! - q[i * A + actions[i]!]!) + eps, 5);
  });
});
