/**
 * Python envs that tsrl starts itself (`python:` and `gymnasium:` ids): the interpreter search, the
 * server process owned by the vector env (kwargs, time limit, render, stop on close), option checks.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPython, PythonNotFoundError, pythonCandidates } from '../../../envs/python/find-python.js';
import { PythonVectorEnv, pythonEnvOptions } from '../../../envs/python/python-vector-env.js';
import { makeVectorEnv } from '../../../envs/vector/make-vector-env.js';
import { pythonMissing, REPO } from '../remote/server-process.js';

const ENVS = join(REPO, 'test/envs/python/fixtures/gym_api_envs.py');
const missing = pythonMissing();
const work = mkdtempSync(join(tmpdir(), 'tsrl-pyenv-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('pythonEnvOptions', () => {
  it('names the option, the value and what was expected', () => {
    expect(() => pythonEnvOptions({ stepping: 'parallel' })).toThrow(
      `env.options.stepping ("parallel") must be 'in-order' or 'subprocess'`,
    );
    expect(() => pythonEnvOptions({ maxEpisodeSteps: 0 })).toThrow(
      'env.options.maxEpisodeSteps (0) must be an integer >= 1',
    );
    expect(() => pythonEnvOptions({ pyhton: '/usr/bin/python3' })).toThrow(
      'env.options.pyhton is not an option of a Python env; known: python, kwargs',
    );
    expect(pythonEnvOptions({}).stepping).toBe('in-order');
  });
});

describe.skipIf(missing !== undefined)(
  `Python envs started by tsrl${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    it('finds the first interpreter on PATH that has the modules and says which it tried', async () => {
      const bin = join(work, 'bin');
      rmSync(bin, { recursive: true, force: true });
      const { mkdirSync } = await import('node:fs');
      mkdirSync(bin);
      const fake = join(bin, 'python3');
      writeFileSync(fake, '#!/bin/sh\necho "ModuleNotFoundError: No module named \'zmq\'" >&2\nexit 1\n');
      chmodSync(fake, 0o755);
      expect(pythonCandidates(`${bin}:/nonexistent`)).toEqual([fake, '/usr/bin/python3']);
      const path = process.env['PATH'];
      process.env['PATH'] = `${bin}:/nonexistent`;
      try {
        // A module set of its own: probes are cached per set.
        const choice = await findPython(['zmq', 'msgpack', 'numpy', 'json']);
        expect(choice.python).toBe('/usr/bin/python3');
        expect(choice.description).toContain(
          `tried before it: ${fake} (ModuleNotFoundError: No module named 'zmq')`,
        );
      } finally {
        process.env['PATH'] = path;
      }
      const none = await findPython(['zmq'], join(bin, 'python3')).catch((e: unknown) => e);
      expect(none).toBeInstanceOf(PythonNotFoundError);
      expect((none as Error).message).toContain('env.options.python cannot be used');
      expect((none as Error).message).toContain('apt-get install python3-zmq');
    });

    it('starts a server with the kwargs and time limit, renders, and stops it on close', async () => {
      const pidFile = join(work, 'pids');
      const env = (await makeVectorEnv(`python:${ENVS}:Corridor`, 2, {
        envOptions: {
          python: '/usr/bin/python3',
          kwargs: { length: 3, pid_file: pidFile, render_mode: 'rgb_array' },
          maxEpisodeSteps: 4,
        },
      })) as PythonVectorEnv;
      expect(env).toBeInstanceOf(PythonVectorEnv);
      expect(env.spec).toEqual({ id: 'Corridor-3', maxEpisodeSteps: 4 });
      expect(env.renderMode).toBe('rgb_array');
      await env.reset({ seed: 0 });
      for (let t = 0; t < 3; t++) await env.step([1, 0]);
      expect((await env.render(0)).width).toBe(24);
      const ended = await env.step([1, 0]); // env 0 ended at t = 3 and restarted; env 1 hits the limit of 4
      expect([...ended.terminated, ...ended.truncated]).toEqual([0, 0, 0, 1]);
      const pid = env.server.pid!;
      expect(readFileSync(pidFile, 'utf8')).toContain(String(pid));
      expect(alive(pid)).toBe(true);
      await env.close();
      expect(alive(pid)).toBe(false);
    });

    it('says what the server printed when the env cannot be made', async () => {
      const error = await makeVectorEnv(`python:${ENVS}:NoSuchEnv`, 1, {
        envOptions: { python: '/usr/bin/python3' },
      }).then(
        () => new Error('no error'),
        (e: unknown) => e as Error,
      );
      expect(error.message).toMatch(
        /exited \(exit code 2\) before serving; its stderr:\n.*has no callable 'NoSuchEnv'/s,
      );
    });

    it('gymnasium: ids need an interpreter that imports gymnasium (the real CartPole where it does)', async () => {
      const result = await makeVectorEnv('gymnasium:CartPole-v1', 2).then(
        async (env) => {
          const r = await env.reset({ seed: 0 });
          await env.close();
          return r.obs.length;
        },
        (e: unknown) => e as Error,
      );
      if (typeof result === 'number') expect(result).toBe(8);
      else {
        expect(result).toBeInstanceOf(PythonNotFoundError);
        expect(result.message).toMatch(
          /no Python on PATH imports zmq, msgpack, numpy, gymnasium: tried .*\/usr\/bin\/python3 \(.*gymnasium/,
        );
        expect(result.message).toContain('env.options.python');
      }
    });
  },
);
