/** `rl env serve | check | list` on a bare commander program. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../../../../envs/builtin/cartpole.js';
import { type EnvServer, serveEnv, ZmqVectorEnv } from '../../../../envs/remote/index.js';
import { registerEnvCommand } from '../../../../rl/cli/commands/env.js';
import { freshAddress, PYTHON, pythonMissing } from '../../../envs/remote/server-process.js';

function program(stopSignal?: AbortSignal): { cli: Command; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => {
    out += String(d);
  });
  stderr.on('data', (d: Buffer) => {
    err += String(d);
  });
  const cli = new Command('rl').exitOverride().configureOutput({
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  registerEnvCommand(cli, { stdout, stderr, ...(stopSignal === undefined ? {} : { stopSignal }) });
  for (const c of cli.commands) {
    c.exitOverride().configureOutput(cli.configureOutput());
    for (const sub of c.commands) sub.exitOverride().configureOutput(cli.configureOutput());
  }
  return { cli, out: () => out, err: () => err };
}

let server: EnvServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('rl env', () => {
  it('check: reports a served CartPole as OK', async () => {
    server = await serveEnv({
      envFactory: () => new CartPoleEnv(),
      numEnvs: 2,
      address: freshAddress('ipc'),
    });
    const { cli, out } = program();
    await cli.parseAsync(['node', 'rl', 'env', 'check', server.address, '--num-envs', '2', '--steps', '20']);
    expect(out()).toContain('CartPole-v1: OK (vector');
  });

  it('serve: serves a module env until stopped', async () => {
    const stop = new AbortController();
    const { cli, out } = program(stop.signal);
    const address = freshAddress('ipc');
    const running = cli.parseAsync([
      'node',
      'rl',
      'env',
      'serve',
      '--env',
      './envs/builtin/cartpole.ts:CartPoleEnv',
      '--address',
      address,
      '--num-envs',
      '3',
    ]);
    for (let i = 0; i < 200 && !out().includes('serving'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(out()).toContain(`x3 on ${address}`);
    const env = await ZmqVectorEnv.connect(address, { timeoutMs: 5000 });
    expect(env.numEnvs).toBe(3);
    expect((await env.reset({ seed: 1 })).obs).toHaveLength(12);
    await env.close();
    stop.abort();
    await running;
  });

  it('serve --render-mode rgb_array: a built-in env that draws answers render with frames', async () => {
    const stop = new AbortController();
    const { cli, out } = program(stop.signal);
    const address = freshAddress('ipc');
    const running = cli.parseAsync([
      'node',
      'rl',
      'env',
      'serve',
      '--env',
      'CartPole-v1',
      '--address',
      address,
      '--render-mode',
      'rgb_array',
    ]);
    for (let i = 0; i < 200 && !out().includes('serving'); i++) await new Promise((r) => setTimeout(r, 25));
    const env = await ZmqVectorEnv.connect(address, { timeoutMs: 5000 });
    expect(env.renderMode).toBe('rgb_array');
    await env.reset({ seed: 0 });
    const frame = await env.render(0);
    expect([frame.height, frame.width, frame.channels]).toEqual([400, 600, 3]);
    await env.close();
    stop.abort();
    await running;
    await expect(
      program().cli.parseAsync([
        'node',
        'rl',
        'env',
        'serve',
        '--env',
        'CartPole-v1',
        '--render-mode',
        'human',
      ]),
    ).rejects.toThrow(/expected rgb_array, got "human"/);
  });

  it.skipIf(pythonMissing() !== undefined)('check: runs a python: env whose server it starts', async () => {
    const { cli, out } = program();
    await cli.parseAsync([
      'node',
      'rl',
      'env',
      'check',
      'python:examples/python-env/target_reach.py:TargetReach',
      '--python',
      PYTHON,
      '--num-envs',
      '2',
      '--steps',
      '30',
    ]);
    expect(out()).toContain('TargetReach-v0: OK (vector');
  });

  it('serve: serves a built-in id such as CartPole-v1 (as the README shows)', async () => {
    const stop = new AbortController();
    const { cli, out } = program(stop.signal);
    const address = freshAddress('ipc');
    const running = cli.parseAsync([
      'node',
      'rl',
      'env',
      'serve',
      '--env',
      'CartPole-v1',
      '--address',
      address,
    ]);
    running.catch(() => undefined);
    for (let i = 0; i < 200 && !out().includes('serving'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(out()).toContain(`serving CartPole-v1 x1 on ${address}`);
    const env = await ZmqVectorEnv.connect(address, { timeoutMs: 5000 });
    expect(env.obsSize).toBe(4);
    await env.close();
    stop.abort();
    await running;
  });

  it.skipIf(pythonMissing() !== undefined)('serve: runs the Python server for a .py module', async () => {
    const stop = new AbortController();
    const { cli, out } = program(stop.signal);
    const address = freshAddress('ipc');
    const env = 'examples/python-env/target_reach.py:TargetReach';
    const running = cli.parseAsync([
      'node',
      'rl',
      'env',
      'serve',
      '--env',
      env,
      '--address',
      address,
      '--num-envs',
      '2',
      '--python',
      PYTHON,
    ]);
    for (let i = 0; i < 400 && !out().includes('serving'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(out()).toContain(`serving TargetReach-v0 x2 on ${address}`);
    const remote = await ZmqVectorEnv.connect(address, { timeoutMs: 5000 });
    expect(remote.obsSize).toBe(2);
    await remote.close();
    stop.abort();
    await running;
  });

  it.skipIf(pythonMissing() !== undefined)(
    'serve: without --python, finds one with pyzmq past one without, and says which; a bad --python is named',
    async () => {
      const bin = mkdtempSync(join(tmpdir(), 'tsrl-fakepy-'));
      const fake = join(bin, 'python3');
      writeFileSync(fake, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'zmq\'" >&2\nexit 1\n');
      chmodSync(fake, 0o755);
      const path = process.env['PATH'];
      process.env['PATH'] = bin;
      const stop = new AbortController();
      const { cli, out, err } = program(stop.signal);
      const address = freshAddress('ipc');
      try {
        const args = [
          'node',
          'rl',
          'env',
          'serve',
          '--env',
          'examples/python-env/target_reach.py:TargetReach',
        ];
        const running = cli.parseAsync([...args, '--address', address]);
        for (let i = 0; i < 400 && !out().includes('serving'); i++)
          await new Promise((r) => setTimeout(r, 25));
        expect(err()).toContain(`rl env serve: using /usr/bin/python3 (Python 3.`);
        expect(err()).toContain(`tried before it: ${fake} (ModuleNotFoundError: No module named 'zmq')`);
        const remote = await ZmqVectorEnv.connect(address, { timeoutMs: 5000 });
        await remote.close();
        stop.abort();
        await running;
        await expect(program().cli.parseAsync([...args, '--python', fake])).rejects.toThrow(
          /the Python named by --python cannot be used: .*python3 \(ModuleNotFoundError: No module named 'zmq'\)/,
        );
      } finally {
        process.env['PATH'] = path;
        rmSync(bin, { recursive: true, force: true });
      }
    },
  );

  it('rejects bad flags with a message naming the flag', async () => {
    const { cli, err } = program();
    await expect(
      cli.parseAsync(['node', 'rl', 'env', 'serve', '--env', 'CartPole-v1', '--address', 'http://x']),
    ).rejects.toThrow();
    expect(err()).toContain(
      "option '--address <address>' argument 'http://x' is invalid. expected tcp://HOST:PORT",
    );
    await expect(
      cli.parseAsync(['node', 'rl', 'env', 'serve', '--env', 'CartPole-v1', '--num-envs', '0']),
    ).rejects.toThrow();
    expect(err()).toContain('expected a positive integer, got "0"');
    await expect(
      cli.parseAsync(['node', 'rl', 'env', 'serve', '--env', 'tcp://127.0.0.1:5555']),
    ).rejects.toThrow('--env (tcp://127.0.0.1:5555) is an address; serve a registered id or a module path.');
  });

  it('list: shows the address forms', async () => {
    const { cli, out } = program();
    await cli.parseAsync(['node', 'rl', 'env', 'list']);
    expect(out()).toContain('tcp://HOST:PORT, ipc:///PATH');
  });
});
