/**
 * ZmqVectorEnv against hand-written fake servers (a raw ROUTER): hangs, wrong versions, invalid
 * replies, late replies. Each fake answers hello with a Counter-like welcome unless told otherwise.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from 'zeromq';
import { RemoteEnvError } from '../../../envs/remote/remote-env-error.js';
import { decodeHeader, type Header, MessageBuilder } from '../../../envs/remote/wire-codec.js';
import { ZmqVectorEnv } from '../../../envs/remote/zmq-vector-env.js';
import { freshAddress } from './server-process.js';

const WELCOME: Header = {
  type: 'welcome',
  protocol: 1,
  num_envs: 2,
  observation_space: { type: 'Box', shape: [1], dtype: 'float32', low: [null], high: [null] },
  action_space: { type: 'Discrete', n: 2, start: 0 },
  spec: { id: 'Fake', max_episode_steps: 10 },
};

type Answer = (header: Header) => Buffer[][] | undefined;
const routers: Router[] = [];

/** A fake server: `answer` returns the replies (each a list of frames) to send for a request. */
async function fakeServer(answer: Answer): Promise<string> {
  const router = new Router({ linger: 0 });
  routers.push(router);
  await router.bind(freshAddress('ipc'));
  void (async () => {
    try {
      for await (const [peer, ...frames] of router) {
        const header = decodeHeader(frames[0]);
        const id = header['id'];
        const replies =
          header['type'] === 'hello'
            ? [new MessageBuilder({ ...WELCOME, id }).frames()]
            : header['type'] === 'close'
              ? [new MessageBuilder({ type: 'closed', id }).frames()]
              : answer(header);
        for (const reply of replies ?? []) if (peer !== undefined) await router.send([peer, ...reply]);
      }
    } catch {
      // closed
    }
  })();
  return router.lastEndpoint ?? '';
}

function resetReply(id: unknown, obs: Float32Array, shape = [2, 1], extra: Header = {}): Buffer[] {
  return new MessageBuilder({ type: 'reset_result', id, infos: [{}, {}], ...extra })
    .array('obs', obs, shape)
    .frames();
}

async function failure(promise: Promise<unknown>): Promise<RemoteEnvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteEnvError);
  return error as RemoteEnvError;
}

afterEach(() => {
  for (const router of routers.splice(0)) router.close();
});

describe('ZmqVectorEnv', () => {
  it('reads a welcome: infinite bounds as null, spec, obsSize', async () => {
    const env = await ZmqVectorEnv.connect(await fakeServer(() => undefined), { timeoutMs: 500 });
    expect(env.spec).toEqual({ id: 'Fake', maxEpisodeSteps: 10 });
    expect(env.obsSize).toBe(1);
    expect(env.singleObservationSpace.contains(Float32Array.of(-1e30))).toBe(true);
    await env.close();
  });

  it('times out after timeoutMs on a server that never answers, and refuses calls until reconnect', async () => {
    const env = await ZmqVectorEnv.connect(await fakeServer(() => undefined), { timeoutMs: 100 });
    const error = await failure(env.reset());
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/no reply to reset \(id \d+\) within 100 ms; reconnect\(\) then reset\(\)/);
    expect((await failure(env.step([0, 0]))).message).toContain('refused until reconnect()');
    await env.reconnect();
    expect((await failure(env.reset())).kind).toBe('timeout');
    await env.close();
    expect((await failure(env.reset())).kind).toBe('closed');
  });

  it('fails to connect with kind timeout when nothing is bound', async () => {
    const error = await failure(ZmqVectorEnv.connect(freshAddress('ipc'), { connectTimeoutMs: 100 }));
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('no welcome within 100 ms');
  });

  it('rejects a welcome of another protocol version with kind version', async () => {
    const router = new Router({ linger: 0 });
    routers.push(router);
    await router.bind(freshAddress('ipc'));
    void (async () => {
      const [peer, frame] = await router.receive();
      const id = decodeHeader(frame)['id'];
      if (peer !== undefined)
        await router.send([peer, ...new MessageBuilder({ ...WELCOME, id, protocol: 2 }).frames()]);
    })();
    const error = await failure(ZmqVectorEnv.connect(router.lastEndpoint ?? '', { connectTimeoutMs: 2000 }));
    expect(error.kind).toBe('version');
    expect(error.message).toContain('the server speaks protocol 2, this client 1');
  });

  it('rejects invalid replies naming the field', async () => {
    const cases: [Buffer[], string][] = [
      [resetReply(0, new Float32Array(3), [3, 1]), 'obs.shape'],
      [
        new MessageBuilder({ type: 'reset_result', id: 0, infos: [{}, {}] })
          .array('obs', new Float64Array(2), [2, 1])
          .frames(),
        'obs.dtype',
      ],
      [resetReply(0, new Float32Array(2), [2, 1], { infos: [{}] }), 'infos'],
      [resetReply(0, new Float32Array(2), [2, 1], { infos: [{}, 3] }), 'infos[1]'],
      [new MessageBuilder({ type: 'step_result', id: 0 }).frames(), 'type'],
    ];
    for (const [reply, field] of cases) {
      const address = await fakeServer((h) => [
        reply.map((f, i) =>
          i === 0 ? (new MessageBuilder({ ...decodeHeader(f), id: h['id'] }).frames()[0] ?? f) : f,
        ),
      ]);
      const env = await ZmqVectorEnv.connect(address, { timeoutMs: 1000 });
      const error = await failure(env.reset());
      expect(error.kind).toBe('protocol');
      expect(error.field).toBe(field);
      await env.close();
    }
  });

  it('drops a late reply whose id is not the request in flight', async () => {
    const address = await fakeServer((h) => [
      resetReply(Number(h['id']) - 1, Float32Array.of(9, 9)),
      resetReply(h['id'], Float32Array.of(1, 2)),
    ]);
    const env = await ZmqVectorEnv.connect(address, { timeoutMs: 1000 });
    expect([...(await env.reset()).obs]).toEqual([1, 2]);
    await env.close();
  });

  it('rethrows a server error with its code, field and remote traceback', async () => {
    const address = await fakeServer((h) => [
      new MessageBuilder({
        type: 'error',
        id: h['id'],
        code: 'env',
        message: 'it broke',
        field: null,
        traceback: 'Traceback: line 3',
      }).frames(),
    ]);
    const env = await ZmqVectorEnv.connect(address, { timeoutMs: 1000 });
    const error = await failure(env.reset());
    expect(error.kind).toBe('env');
    expect(error.message).toContain('server error (env): it broke');
    expect(error.message).toContain('Traceback: line 3');
    await env.close();
  });

  it('validates its options', async () => {
    await expect(ZmqVectorEnv.connect('ipc:///nowhere', { timeoutMs: 0 })).rejects.toThrow(
      'options.timeoutMs (0) must be a positive number of ms',
    );
  });
});
