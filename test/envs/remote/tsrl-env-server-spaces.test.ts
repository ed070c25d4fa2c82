/**
 * The Python server's duck-typed space conversion and flattening agree with tsrl's spaces: nested
 * Dict/Tuple observations, MultiDiscrete and Box actions.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZmqVectorEnv } from '../../../envs/remote/zmq-vector-env.js';
import {
  FIXTURES,
  freshAddress,
  killAll,
  PYTHON,
  PYTHON_SERVER,
  pythonMissing,
  REPO,
  startServer,
} from './server-process.js';

const skip = pythonMissing();

describe.skipIf(skip !== undefined)(
  `Python server spaces${skip === undefined ? '' : ` (skipped: ${skip})`}`,
  () => {
    afterAll(killAll);

    it('converts nested spaces by duck typing and flattens observations as tsrl does', async () => {
      const server = await startServer(PYTHON, [
        PYTHON_SERVER,
        '--env',
        join(FIXTURES, 'faulty_envs.py:Mixed'),
        '--address',
        freshAddress('ipc'),
        '--num-envs',
        '2',
      ]);
      const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
      expect(env.singleObservationSpace.toJson()).toEqual({
        type: 'Dict',
        spaces: {
          pos: { type: 'Box', shape: [2], dtype: 'float32', low: [null, null], high: [null, null] },
          mode: { type: 'Discrete', n: 3, start: 1 },
          bits: { type: 'MultiBinary', shape: [3] },
          pair: {
            type: 'Tuple',
            spaces: [
              { type: 'Discrete', n: 2, start: 0 },
              { type: 'MultiDiscrete', nvec: [2, 3], start: [0, 0] },
            ],
          },
        },
      });
      expect(env.obsSize).toBe(2 + 3 + 3 + 2 + 5);
      const expected = (last: Int32Array) =>
        env.singleObservationSpace.flatten({
          pos: Float32Array.of(0.5, -2),
          mode: 2,
          bits: Int8Array.of(1, 0, 1),
          pair: [1, last],
        });
      const { obs } = await env.reset();
      expect([...obs.subarray(0, env.obsSize)]).toEqual([...expected(Int32Array.of(1, 2))]);
      const step = await env.step([Int32Array.of(0, 1), Int32Array.of(1, 0)]);
      expect([...step.rewards]).toEqual([1, 1]);
      expect([...step.obs.subarray(env.obsSize)]).toEqual([...expected(Int32Array.of(1, 0))]);
      expect(step.infos).toEqual([{ action: [0, 1] }, { action: [1, 0] }]);
      await env.close();
      await server.kill();
    });

    it('serves the TargetReach example with Box actions and the env kwargs', async () => {
      const server = await startServer(PYTHON, [
        PYTHON_SERVER,
        '--env',
        join(REPO, 'examples/python-env/target_reach.py:TargetReach'),
        '--env-kwargs',
        '{"max_move": 0.2}',
        '--address',
        freshAddress('tcp'),
      ]);
      const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
      expect(env.singleActionSpace.toJson()).toMatchObject({ type: 'Box', shape: [1], dtype: 'float32' });
      expect(env.spec.maxEpisodeSteps).toBe(100);
      const { obs, infos } = await env.reset({ seed: 3 });
      expect(infos[0]?.['target']).toBeCloseTo(obs[1] ?? Number.NaN, 6);
      const start = obs[0] ?? 0;
      const move = start > 0.5 ? -0.15 : 0.15;
      const step = await env.step([Float32Array.of(move)]);
      expect(step.obs[0]).toBeCloseTo(start + move, 5);
      const outside = await env.step([Float32Array.of(0.5)]).catch((e: unknown) => e);
      expect(String(outside)).toContain('actions[0]');
      await env.close();
      await server.kill();
    });
  },
);
