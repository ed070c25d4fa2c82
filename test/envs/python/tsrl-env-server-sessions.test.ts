/**
 * The Python server's sessions, strictness, render, subprocess stepping and parent watchdog
 * (envs/python/tsrl_env_server.py), with the Gymnasium-API fixture envs of fixtures/gym_api_envs.py.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RemoteEnvError } from '../../../envs/remote/remote-env-error.js';
import { ZmqVectorEnv } from '../../../envs/remote/zmq-vector-env.js';
import { RawPeer } from '../remote/counter-suite.js';
import {
  freshAddress,
  killAll,
  PYTHON,
  PYTHON_SERVER,
  pythonMissing,
  REPO,
  startServer,
} from '../remote/server-process.js';

const ENVS = join(REPO, 'test/envs/python/fixtures/gym_api_envs.py');
const missing = pythonMissing();

function startPython(env: string, ...extra: string[]) {
  return startServer(PYTHON, [
    PYTHON_SERVER,
    '--env',
    `${ENVS}:${env}`,
    '--address',
    freshAddress('ipc'),
    ...extra,
  ]);
}

/** msgpack bytes of {type: 'hello', id: 1, protocol: 1.0} (a float64: msgpackr would write an int). */
function helloWithFloatProtocol(): Buffer {
  const str = (s: string) => Buffer.concat([Buffer.of(0xa0 | s.length), Buffer.from(s)]);
  const one = Buffer.alloc(9);
  one[0] = 0xcb;
  one.writeDoubleBE(1.0, 1);
  return Buffer.concat([
    Buffer.of(0x83),
    str('type'),
    str('hello'),
    str('id'),
    Buffer.of(1),
    str('protocol'),
    one,
  ]);
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as RemoteEnvError,
  );

describe.skipIf(missing !== undefined)(
  `Python server extensions${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    afterAll(killAll);

    it('refuses protocol true and 1.0, a negative seed and a deeply nested header with precise errors', async () => {
      const server = await startPython('Corridor');
      const raw = new RawPeer(server.address);
      const asBool = await raw.send({ type: 'hello', id: 1, protocol: true });
      expect(asBool.header).toMatchObject({ code: 'version', field: 'protocol', supported: [1] });
      const asFloat = await raw.ask([helloWithFloatProtocol()]);
      expect(asFloat.header).toMatchObject({ code: 'version', field: 'protocol' });
      expect(String(asFloat.header['message'])).toContain('1.0');
      expect((await raw.send({ type: 'hello', id: 2, protocol: 1 })).header).toMatchObject({
        type: 'welcome',
      });
      const negative = await raw.send({ type: 'reset', id: 3, seed: -1, options: null });
      expect(negative.header).toMatchObject({ code: 'malformed', field: 'seed' });
      const deep = Buffer.concat([Buffer.alloc(100_000, 0x91), Buffer.of(0xc0)]);
      const nested = await raw.ask([deep]);
      expect(nested.header).toMatchObject({ type: 'error', code: 'malformed' });
      expect(String(nested.header['message'])).toMatch(/deeper than/);
      const asked = await raw.send({ type: 'hello', id: 4, protocol: 1, num_envs: 0 });
      expect(asked.header).toMatchObject({ code: 'malformed', field: 'num_envs' });
      expect((await raw.send({ type: 'reset', id: 5, seed: 2n ** 40n, options: null })).header).toMatchObject(
        {
          type: 'reset_result',
        },
      );
      raw.close();
      await server.kill();
    });

    it('ends the least recently used session beyond --max-sessions and tells its client', async () => {
      const server = await startPython('Corridor', '--max-sessions', '1');
      const a = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
      await a.reset();
      const b = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
      await b.reset();
      const ended = await rejection(a.step([1]));
      expect(ended?.kind).toBe('disconnected');
      expect(ended?.message).toContain('at most 1 sessions');
      expect([...(await b.step([1])).obs]).toEqual([Math.fround(0.2)]);
      await Promise.all([a.close(), b.close()]);
      await server.kill();
    });

    it('renders rgb_array frames as raw uint8 and says when the env cannot render', async () => {
      const server = await startPython(
        'Corridor',
        '--env-kwargs',
        JSON.stringify({ render_mode: 'rgb_array' }),
      );
      const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000, numEnvs: 2 });
      expect(env.renderMode).toBe('rgb_array');
      await env.reset();
      await env.step([1, 0]);
      const frame = await env.render(0);
      expect([frame.height, frame.width, frame.channels]).toEqual([8, 40, 3]);
      const pixel = (x: number) => [...frame.pixels.subarray(x * 3, x * 3 + 3)];
      expect(pixel(8)).toEqual([255, 0, 0]); // the agent at cell 1
      expect(pixel(0)).toEqual([255, 255, 255]);
      expect([...(await env.render(1)).pixels.subarray(0, 3)]).toEqual([255, 0, 0]); // env 1 at cell 0
      await env.close();
      await server.kill();
      const plain = await startPython('Corridor');
      const noRender = await ZmqVectorEnv.connect(plain.address, { timeoutMs: 5000 });
      expect(noRender.renderMode).toBeUndefined();
      await noRender.reset();
      expect((await rejection(noRender.render(0)))?.kind).toBe('render');
      expect([...(await noRender.step([1])).obs]).toEqual([Math.fround(0.2)]); // the session is unchanged
      await noRender.close();
      await plain.kill();
    });

    it('steps in subprocess workers exactly as in order', async () => {
      const trace = async (extra: string[]) => {
        const server = await startPython('MatchDigits', ...extra);
        const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 10_000, numEnvs: 5 });
        const out: number[] = [...(await env.reset({ seed: 3 })).obs];
        for (let t = 0; t < 25; t++) {
          const r = await env.step(
            Array.from({ length: 5 }, (_, i) => Int32Array.of((t + i) % 3, (t * i) % 4)),
          );
          out.push(
            ...r.obs,
            ...r.rewards,
            ...r.truncated,
            ...r.finalObs.filter((_, k) => r.truncated[Math.floor(k / 7)]),
          );
        }
        await env.close();
        await server.kill();
        return out;
      };
      const inOrder = await trace([]);
      expect(await trace(['--stepping', 'subprocess', '--num-workers', '2'])).toEqual(inOrder);
    });

    it('exits with --exit-with-parent once the process that started it is killed', async () => {
      const address = freshAddress('ipc');
      const shell = spawn(
        'sh',
        [
          '-c',
          `"${PYTHON}" "${PYTHON_SERVER}" --env "${ENVS}:Corridor" --address ${address} --exit-with-parent & echo $!; wait`,
        ],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      const pid = await new Promise<number>((ok) =>
        shell.stdout.once('data', (d: Buffer) => ok(Number(String(d).trim()))),
      );
      const env = await ZmqVectorEnv.connect(address, { connectTimeoutMs: 20_000 });
      await env.close();
      shell.kill('SIGKILL');
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (let waited = 0; alive() && waited < 5000; waited += 100)
        await new Promise((done) => setTimeout(done, 100));
      expect(alive()).toBe(false);
    });
  },
);
