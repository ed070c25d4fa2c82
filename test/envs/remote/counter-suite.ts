/**
 * The protocol scenarios every server must pass (TS and Python alike), run over ipc and tcp against a
 * Counter env: obs [t], actions Discrete(3, start -1), reward action + 0.5, terminal at t = 3.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { RemoteEnvError } from '../../../envs/remote/remote-env-error.js';
import { decodeHeader, type Header, MessageBuilder, packPlain } from '../../../envs/remote/wire-codec.js';
import { ZmqVectorEnv } from '../../../envs/remote/zmq-vector-env.js';
import { freshAddress, killAll, type ServerProcess } from './server-process.js';

type Start = (address: string, fault?: string) => Promise<ServerProcess>;

/** A raw DEALER for sending hand-made (also broken) messages. */
export class RawPeer {
  private readonly socket = new Dealer({ linger: 0, receiveTimeout: 5000 });
  constructor(address: string) {
    this.socket.connect(address);
  }
  async ask(frames: Buffer[]): Promise<{ header: Header; frames: Buffer[] }> {
    await this.socket.send(frames);
    const reply = await this.socket.receive();
    return { header: decodeHeader(reply[0]), frames: reply };
  }
  send(header: Header, build?: (b: MessageBuilder) => void): Promise<{ header: Header; frames: Buffer[] }> {
    const builder = new MessageBuilder(header);
    build?.(builder);
    return this.ask(builder.frames());
  }
  close(): void {
    this.socket.close();
  }
}

async function caught(promise: Promise<unknown>): Promise<RemoteEnvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RemoteEnvError)) throw new Error(`expected a RemoteEnvError, got ${String(error)}`);
  return error;
}

/** Registers the scenarios for one server kind over both transports. */
export function describeCounterServer(name: string, start: Start, skip?: string): void {
  describe.skipIf(skip !== undefined)(`${name}${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
    afterAll(killAll);
    for (const transport of ['ipc', 'tcp'] as const) {
      describe(`over ${transport}`, () => {
        it('handshakes, resets with seed and options, steps with same-step autoreset', async () => {
          const server = await start(freshAddress(transport));
          const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
          expect(env.numEnvs).toBe(2);
          expect(env.obsSize).toBe(1);
          expect(env.singleActionSpace.toJson()).toEqual({ type: 'Discrete', n: 3, start: -1 });
          expect(env.singleObservationSpace.toJson()).toEqual({
            type: 'Box',
            shape: [1],
            dtype: 'float32',
            low: [0],
            high: [10],
          });
          expect(env.spec).toEqual({ id: 'Counter', maxEpisodeSteps: undefined });
          const first = await env.reset({ seed: 7 });
          expect([...first.obs]).toEqual([0, 0]);
          expect(first.infos).toEqual([{ seed: 7 }, { seed: 8 }]);
          expect([...(await env.reset({ options: { start: 1 } })).obs]).toEqual([1, 1]);
          const s2 = await env.step([1, -1]);
          expect([...s2.obs]).toEqual([2, 2]);
          expect([...s2.rewards]).toEqual([1.5, -0.5]);
          expect([...s2.terminated, ...s2.truncated]).toEqual([0, 0, 0, 0]);
          const s3 = await env.step([0, 0]);
          expect([...s3.terminated]).toEqual([1, 1]);
          expect([...s3.finalObs]).toEqual([3, 3]);
          expect([...s3.obs]).toEqual([0, 0]);
          expect(s3.infos).toEqual([{ t: 3 }, { t: 3 }]);
          await env.close();
          await server.kill();
        });

        it('rejects actions outside the space on the client and on the server, and keeps serving', async () => {
          const server = await start(freshAddress(transport));
          const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
          await env.reset();
          const local = await caught(env.step([2, 0]));
          expect(local.kind).toBe('invalid-action');
          expect(local.field).toBe('actions[0]');
          expect((await caught(env.step([0]))).field).toBe('actions');
          expect([...(await env.step([0, 0])).obs]).toEqual([1, 1]);
          await env.close();
          const raw = new RawPeer(server.address);
          await raw.send({ type: 'hello', id: 1, protocol: 1 });
          await raw.send({ type: 'reset', id: 2, seed: null, options: null });
          const bad = await raw.send({ type: 'step', id: 3 }, (b) =>
            b.array('actions', Int32Array.of(0, 5), [2], 'int32'),
          );
          expect(bad.header).toMatchObject({
            type: 'error',
            id: 3,
            code: 'invalid-action',
            field: 'actions[1]',
          });
          const ok = await raw.send({ type: 'step', id: 4 }, (b) =>
            b.array('actions', Int32Array.of(0, 1), [2], 'int32'),
          );
          expect(ok.header).toMatchObject({ type: 'step_result', id: 4 });
          raw.close();
          await server.kill();
        });

        it('answers malformed, out-of-order and wrong-version messages with errors and keeps serving', async () => {
          const server = await start(freshAddress(transport));
          const raw = new RawPeer(server.address);
          expect((await raw.ask([Buffer.from('not msgpack \xc1')])).header).toMatchObject({
            type: 'error',
            id: null,
            code: 'malformed',
          });
          expect((await raw.ask([packPlain([1, 2, 3])])).header).toMatchObject({
            type: 'error',
            code: 'malformed',
          });
          expect((await raw.send({ type: 'hello', id: 'x' })).header).toMatchObject({
            code: 'malformed',
            field: 'id',
          });
          expect((await raw.send({ type: 'reset', id: 1 })).header).toMatchObject({ id: 1, code: 'state' });
          const version = await raw.send({ type: 'hello', id: 2, protocol: 99 });
          expect(version.header).toMatchObject({ id: 2, code: 'version', field: 'protocol', supported: [1] });
          expect((await raw.send({ type: 'hello', id: 3, protocol: 1 })).header).toMatchObject({
            type: 'welcome',
            id: 3,
            num_envs: 2,
          });
          expect((await raw.send({ type: 'step', id: 4 })).header).toMatchObject({ code: 'state' });
          await raw.send({ type: 'reset', id: 5, seed: 3, options: null });
          expect((await raw.send({ type: 'reset', id: 6, seed: 'three' })).header).toMatchObject({
            code: 'malformed',
            field: 'seed',
          });
          expect((await raw.send({ type: 'step', id: 7 })).header).toMatchObject({
            code: 'malformed',
            field: 'actions',
          });
          const shape = await raw.send({ type: 'step', id: 8 }, (b) =>
            b.array('actions', Int32Array.of(0, 0, 0), [3], 'int32'),
          );
          expect(shape.header).toMatchObject({ code: 'malformed', field: 'actions.shape' });
          const dtype = await raw.send({ type: 'step', id: 9 }, (b) =>
            b.array('actions', Float32Array.of(0, 0), [2]),
          );
          expect(dtype.header).toMatchObject({ code: 'malformed', field: 'actions.dtype' });
          const short = await raw.ask([
            packPlain({ type: 'step', id: 10, actions: { dtype: 'int32', shape: [2], frame: 1 } }),
            Buffer.alloc(4),
          ]);
          expect(short.header).toMatchObject({ code: 'malformed', field: 'actions.frame' });
          expect((await raw.send({ type: 'jump', id: 11 })).header).toMatchObject({
            code: 'malformed',
            field: 'type',
          });
          const ok = await raw.send({ type: 'step', id: 12 }, (b) =>
            b.array('actions', Int32Array.of(1, 1), [2], 'int32'),
          );
          expect(ok.header).toMatchObject({ type: 'step_result', id: 12 });
          raw.close();
          const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
          await env.reset();
          await env.close();
          await server.kill();
        });

        it('reports an env that raises as kind env; reset recovers without reconnecting', async () => {
          const server = await start(freshAddress(transport), 'raise');
          const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
          await env.reset();
          const error = await caught(env.step([1, 0]));
          expect(error.kind).toBe('env');
          expect(error.message).toContain('boom at t=0');
          const early = await caught(env.step([0, 0]));
          expect(early.kind).toBe('protocol');
          expect(early.message).toContain('reset first');
          await env.reset();
          expect([...(await env.step([0, 0])).obs]).toEqual([1, 1]);
          await env.close();
          await server.kill();
        });

        it('times out on a hung server, drops its late reply, and works after reconnect + reset', async () => {
          const server = await start(freshAddress(transport), 'slow');
          const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 500 });
          await env.reset();
          const error = await caught(env.step([1, 1]));
          expect(error.kind).toBe('timeout');
          expect(error.message).toContain('within 500 ms');
          expect((await caught(env.step([0, 0]))).kind).toBe('timeout');
          await env.reconnect();
          await env.reset({ seed: 1 });
          expect([...(await env.step([0, 0])).obs]).toEqual([1, 1]);
          await env.close();
          await server.kill();
        });

        it('reports a server killed mid-episode as disconnected, then reconnects to its restart', async () => {
          let server = await start(freshAddress(transport));
          const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 20_000 });
          await env.reset();
          await env.step([0, 0]);
          await server.kill();
          expect((await caught(env.step([0, 0]))).kind).toBe('disconnected');
          server = await start(server.address);
          await env.reconnect();
          await env.reset();
          expect([...(await env.step([1, 1])).obs]).toEqual([1, 1]);
          await env.close();
          await server.kill();
        });

        it('gives every client its own envs (sessions), asks a client without hello for one, and shuts down on close with shutdown', async () => {
          const server = await start(freshAddress(transport));
          const a = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
          await a.reset();
          expect([...(await a.step([1, 1])).obs]).toEqual([1, 1]);
          // A second client (another runner, evaluation) asks for 3 envs: its own, a's are untouched.
          const b = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000, numEnvs: 3 });
          expect(b.numEnvs).toBe(3);
          await b.reset({ options: { start: 2 } });
          expect([...(await b.step([0, 0, 0])).obs]).toEqual([3, 3, 3].map((t) => (t >= 3 ? 0 : t)));
          expect([...(await a.step([1, 1])).obs]).toEqual([2, 2]);
          await b.close();
          // a's session lives on after b closed; a raw client without hello is told to send one.
          expect([...(await a.step([1, 1])).obs]).toEqual([0, 0]);
          const raw = new RawPeer(server.address);
          expect((await raw.send({ type: 'step', id: 1 })).header).toMatchObject({ code: 'state' });
          raw.close();
          const c = await ZmqVectorEnv.connect(server.address, {
            timeoutMs: 5000,
            shutdownServerOnClose: true,
          });
          await c.reset();
          await c.close();
          expect(await server.exited).toBe(0);
          await a.close();
        });
      });
    }
  });
}
