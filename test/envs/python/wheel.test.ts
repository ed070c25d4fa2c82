/**
 * The tsrl_env Python package: the committed wheel (shipped in the npm package) holds the current
 * modules; `pip install` of the wheel and of the envs/python folder give `tsrl_env.serve` and the
 * `tsrl-env` command, which serve to the TS client. Offline: pip runs with --no-index, no isolation.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZmqVectorEnv } from '../../../envs/remote/zmq-vector-env.js';
import { freshAddress, killAll, PYTHON, pythonMissing, REPO, startServer } from '../remote/server-process.js';

const WHEEL_DIR = join(REPO, 'envs/python/wheel');
const FIXTURES = join(REPO, 'test/envs/python/fixtures');

function pipMissing(): string | undefined {
  const python = pythonMissing();
  if (python !== undefined) return python;
  try {
    execFileSync(PYTHON, ['-c', 'import setuptools, wheel'], { stdio: 'pipe' });
    execFileSync(PYTHON, ['-m', 'pip', '--version'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return `${PYTHON} lacks pip, setuptools or wheel (apt-get install python3-pip python3-setuptools python3-wheel)`;
  }
}

/** A file of the wheel (a zip), read with Python's zipfile. */
function fromWheel(wheel: string, name: string): string {
  return execFileSync(
    PYTHON,
    [
      '-c',
      'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())',
      wheel,
      name,
    ],
    {
      encoding: 'utf8',
    },
  );
}

const missing = pipMissing();
const work = mkdtempSync(join(tmpdir(), 'tsrl-wheel-'));
afterAll(async () => {
  await killAll();
  rmSync(work, { recursive: true, force: true });
});

describe('the committed wheel', () => {
  it('holds the current tsrl_env package and its command (rebuild: bash scripts/build-python-wheel.sh)', () => {
    const wheels = readdirSync(WHEEL_DIR).filter((f) => f.endsWith('.whl'));
    expect(wheels).toEqual(['tsrl_env-0.1.0-py3-none-any.whl']);
    const wheel = join(WHEEL_DIR, wheels[0]!);
    const modules = readdirSync(join(REPO, 'envs/python/tsrl_env')).filter((f) => f.endsWith('.py'));
    expect(modules.length).toBeGreaterThan(5);
    for (const module of modules) {
      expect(fromWheel(wheel, `tsrl_env/${module}`), module).toBe(
        readFileSync(join(REPO, 'envs/python/tsrl_env', module), 'utf8'),
      );
    }
    expect(fromWheel(wheel, 'tsrl_env-0.1.0.dist-info/entry_points.txt')).toContain(
      'tsrl-env = tsrl_env.cli:main',
    );
  });
});

describe.skipIf(missing !== undefined)(
  `pip install${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    const pip = (target: string, what: string) =>
      execFileSync(
        PYTHON,
        [
          '-m',
          'pip',
          'install',
          '-q',
          '--no-deps',
          '--no-index',
          '--no-build-isolation',
          '--target',
          target,
          what,
        ],
        {
          stdio: 'pipe',
          env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
        },
      );

    it('of the wheel gives the tsrl-env command, which serves an env to the TS client', async () => {
      const site = join(work, 'wheel-site');
      pip(site, join(WHEEL_DIR, 'tsrl_env-0.1.0-py3-none-any.whl'));
      const server = await startServer(
        join(site, 'bin', 'tsrl-env'),
        [
          '--env',
          join(FIXTURES, 'gym_api_envs.py:Corridor'),
          '--env-kwargs',
          '{"length": 4}',
          '--address',
          freshAddress('ipc'),
        ],
        { ...process.env, PYTHONPATH: site },
      );
      const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000, numEnvs: 3 });
      await env.reset();
      expect([...(await env.step([1, 1, 0])).obs]).toEqual([0.25, 0.25, 0]);
      await env.close();
      await server.kill();
    }, 60_000);

    it('of the envs/python folder gives tsrl_env.serve(factory, address, num_envs=...)', async () => {
      const source = join(work, 'src');
      cpSync(join(REPO, 'envs/python'), source, {
        recursive: true,
        filter: (p) => !p.includes('__pycache__'),
      });
      const site = join(work, 'folder-site');
      pip(site, source);
      const script = [
        'import sys',
        `sys.path[:0] = [${JSON.stringify(site)}, ${JSON.stringify(FIXTURES)}]`,
        'from tsrl_env import serve',
        'from gym_api_envs import Corridor',
        'serve(Corridor, sys.argv[1], num_envs=2, env_kwargs={"length": 2})',
      ].join('\n');
      const server = await startServer(PYTHON, ['-c', script, freshAddress('ipc')]);
      const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
      expect(env.numEnvs).toBe(2);
      await env.reset();
      expect([...(await env.step([1, 1])).obs]).toEqual([0.5, 0.5]);
      const done = await env.step([1, 0]);
      expect([...done.terminated]).toEqual([1, 0]);
      await env.close();
      await server.kill();
    }, 60_000);
  },
);
