/**
 * The env protocol against the TypeScript server (serveVectorEnv): the shared scenarios in this process,
 * and a server process killed mid-episode.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { serveVectorEnv } from '../../../envs/remote/env-server.js';
import { RemoteEnvError } from '../../../envs/remote/remote-env-error.js';
import { ZmqVectorEnv } from '../../../envs/remote/zmq-vector-env.js';
import { Discrete } from '../../../envs/spaces/discrete.js';
import { TupleSpace } from '../../../envs/spaces/tuple-space.js';
import { describeCounterServer } from './counter-suite.js';
import { CounterVectorEnv } from './fixtures/counter-vector-env.js';
import { freshAddress, killAll, startInProcessCounter, startTsCounter } from './server-process.js';

describeCounterServer('TypeScript server', (address, fault) => startInProcessCounter(address, fault));

describe('TypeScript server process', () => {
  afterAll(killAll);

  it('reports a server process killed mid-episode as disconnected, then reconnects to its restart', async () => {
    let server = await startTsCounter(freshAddress('ipc'));
    const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 20_000 });
    await env.reset();
    await env.step([0, 0]);
    await server.kill();
    const error = await env.step([0, 0]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteEnvError);
    expect((error as RemoteEnvError).kind).toBe('disconnected');
    server = await startTsCounter(server.address);
    await env.reconnect();
    await env.reset();
    expect([...(await env.step([1, 1])).obs]).toEqual([1, 1]);
    await env.close();
    await server.kill();
  });
});

describe('serveVectorEnv options', () => {
  it('refuses a Tuple action space, which protocol version 1 cannot carry', async () => {
    const env = new CounterVectorEnv(1);
    Object.defineProperty(env, 'singleActionSpace', { value: new TupleSpace([new Discrete(2)]) });
    await expect(serveVectorEnv(env, freshAddress('ipc'))).rejects.toThrow(
      'Tuple action spaces are not supported by env protocol version 1',
    );
  });

  it('refuses an address that is not tcp://, ipc:// or inproc://', async () => {
    await expect(serveVectorEnv(new CounterVectorEnv(1), 'http://127.0.0.1:80')).rejects.toThrow(
      /address \(http:\/\/127\.0\.0\.1:80\) must look like tcp:\/\/127\.0\.0\.1:5555/,
    );
  });
});
