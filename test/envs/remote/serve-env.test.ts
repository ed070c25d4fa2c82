/**
 * serveEnv with a real env (CartPole) in a SyncVectorEnv, reached through the registry resolver: the
 * remote vector env must give exactly what the local one gives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../../../envs/builtin/cartpole.js';
import type { EnvServer } from '../../../envs/remote/index.js';
import { remoteEnvOptions, serveEnv } from '../../../envs/remote/index.js';
import { makeVectorEnv } from '../../../envs/vector/make-vector-env.js';
import { SyncVectorEnv } from '../../../envs/vector/sync-vector-env.js';
import type { VectorStepResult } from '../../../envs/vector/vector-env.js';
import { freshAddress } from './server-process.js';

let server: EnvServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function copy(r: VectorStepResult): number[][] {
  return [[...r.obs], [...r.rewards], [...r.terminated], [...r.truncated], [...r.finalObs]];
}

describe('serveEnv', () => {
  it('serves CartPole so that the remote vector env matches the local one step by step', async () => {
    server = await serveEnv({
      envFactory: () => new CartPoleEnv(),
      numEnvs: 3,
      address: freshAddress('tcp'),
    });
    const remote = await makeVectorEnv(server.address, 3, { envOptions: { timeoutMs: 5000 } });
    const local = new SyncVectorEnv(Array.from({ length: 3 }, () => () => new CartPoleEnv()));
    expect(remote.spec).toEqual({ id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475 });
    expect(remote.singleObservationSpace.toJson()).toEqual(local.singleObservationSpace.toJson());
    expect([...(await remote.reset({ seed: 42 })).obs]).toEqual([...(await local.reset({ seed: 42 })).obs]);
    let episodesEnded = 0;
    for (let t = 0; t < 60; t++) {
      const actions = [t % 2, 1, (t >> 2) % 2];
      const r = copy(await remote.step(actions));
      const l = await local.step(actions);
      // finalObs rows are meaningful only where an episode ended.
      const done = l.terminated.map((x, i) => x | (l.truncated[i] ?? 0));
      const finalRows = (f: number[]) => f.map((v, k) => (done[Math.floor(k / 4)] ? v : 0));
      expect(r.slice(0, 4)).toEqual(copy(l).slice(0, 4));
      expect(finalRows(r[4] ?? [])).toEqual(finalRows([...l.finalObs]));
      episodesEnded += done.reduce((a, b) => a + b, 0);
    }
    expect(episodesEnded).toBeGreaterThan(0);
    await remote.close();
  });

  it('builds each client the envs it asks for; one served vector env says how to fix a mismatch', async () => {
    server = await serveEnv({
      envFactory: () => new CartPoleEnv(),
      numEnvs: 2,
      address: freshAddress('ipc'),
    });
    const four = await makeVectorEnv(server.address, 4);
    const one = await makeVectorEnv(server.address, 1);
    expect([four.numEnvs, one.numEnvs]).toEqual([4, 1]);
    expect((await four.reset({ seed: 1 })).obs.length).toBe(16);
    await Promise.all([four.close(), one.close()]);
    await server.close();
    server = await serveEnv({
      vectorEnv: new SyncVectorEnv([() => new CartPoleEnv(), () => new CartPoleEnv()]),
      address: freshAddress('ipc'),
    });
    await expect(makeVectorEnv(server.address, 4)).rejects.toThrow(
      `steps 2 envs per message but 4 were asked for (it does not build envs per client); ask for 2 or restart the server with --num-envs 4`,
    );
  });

  it('one served vector env: a second client is refused as busy while the first is active, then takes over when idle', async () => {
    const { serveVectorEnv } = await import('../../../envs/remote/env-server.js');
    const { ZmqVectorEnv } = await import('../../../envs/remote/zmq-vector-env.js');
    server = await serveVectorEnv(new SyncVectorEnv([() => new CartPoleEnv()]), freshAddress('ipc'), {
      takeoverAfterMs: 400,
    });
    const a = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
    await a.reset({ seed: 0 });
    await expect(ZmqVectorEnv.connect(server.address, { connectTimeoutMs: 5000 })).rejects.toMatchObject({
      kind: 'busy',
    });
    await a.step([1]);
    await new Promise((done) => setTimeout(done, 500));
    const b = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
    await b.reset({ seed: 0 });
    await expect(a.step([1])).rejects.toMatchObject({
      kind: 'disconnected',
      message: expect.stringContaining('idle'),
    });
    await Promise.all([a.close(), b.close()]);
  });

  it('validates its options and the remote env options', async () => {
    await expect(serveEnv({ envFactory: () => new CartPoleEnv(), numEnvs: 0 })).rejects.toThrow(
      'numEnvs (0) must be an integer >= 1',
    );
    await expect(serveEnv({ numEnvs: 1 })).rejects.toThrow(
      'give exactly one of vectorEnv, envFactory, id (got 0)',
    );
    expect(() => remoteEnvOptions({ timeoutMS: 5 })).toThrow(
      'env.options.timeoutMS is not an option of a remote env; known: timeoutMs',
    );
    expect(() => remoteEnvOptions({ timeoutMs: '5' })).toThrow(
      'env.options.timeoutMs (5) must be a number of ms',
    );
  });
});
