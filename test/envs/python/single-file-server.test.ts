/**
 * envs/python/tsrl_env_server.py is generated from the tsrl_env package's modules: the committed file
 * is exactly the generator's output (so nobody maintains two copies), the generator refuses modules
 * that break its conventions, and the file serves on its own, copied alone to an empty folder.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZmqVectorEnv } from '../../../envs/remote/zmq-vector-env.js';
import { buildSingleFileServer, PACKAGE_DIR } from '../../../scripts/build-python-server.js';
import {
  freshAddress,
  killAll,
  PYTHON,
  PYTHON_SERVER,
  pythonMissing,
  REPO,
  startServer,
} from '../remote/server-process.js';

const work = mkdtempSync(join(tmpdir(), 'tsrl-single-file-'));
afterAll(async () => {
  await killAll();
  rmSync(work, { recursive: true, force: true });
});

describe('the single-file Python server', () => {
  it('is the generator output of the tsrl_env modules (regenerate: node --import tsx scripts/build-python-server.ts)', () => {
    expect(readFileSync(PYTHON_SERVER, 'utf8')).toBe(buildSingleFileServer());
  });

  it('is generated only from modules that keep the conventions', () => {
    const copy = (name: string): string => {
      const dir = join(work, name);
      cpSync(PACKAGE_DIR, dir, { recursive: true });
      return dir;
    };
    const late = copy('late-import');
    writeFileSync(join(late, 'layout.py'), `${readFileSync(join(late, 'layout.py'), 'utf8')}\nimport json\n`);
    expect(() => buildSingleFileServer(late)).toThrow('tsrl_env/layout.py: imports go at the top');
    const twice = copy('defined-twice');
    writeFileSync(
      join(twice, 'cli.py'),
      `${readFileSync(join(twice, 'cli.py'), 'utf8')}\n\ndef is_int(x):\n    return x\n`,
    );
    expect(() => buildSingleFileServer(twice)).toThrow(
      'is_int is defined in tsrl_env/wire.py and tsrl_env/cli.py',
    );
  });

  const missing = pythonMissing();
  it.skipIf(missing !== undefined)(
    `serves from an empty folder with nothing else of tsrl${missing === undefined ? '' : ` (skipped: ${missing})`}`,
    async () => {
      const alone = join(work, 'alone');
      cpSync(PYTHON_SERVER, join(alone, 'tsrl_env_server.py'));
      const fixture = join(REPO, 'test/envs/python/fixtures/gym_api_envs.py');
      // -E: no PYTHONPATH, so nothing but the file and the standard/Debian modules is importable.
      const server = await startServer(PYTHON, [
        '-E',
        join(alone, 'tsrl_env_server.py'),
        '--env',
        `${fixture}:Corridor`,
        '--env-kwargs',
        '{"length": 2}',
        '--address',
        freshAddress('ipc'),
        '--num-envs',
        '2',
      ]);
      const env = await ZmqVectorEnv.connect(server.address, { timeoutMs: 5000 });
      await env.reset({ seed: 0 });
      expect([...(await env.step([1, 1])).obs]).toEqual([0.5, 0.5]);
      expect([...(await env.step([1, 0])).terminated]).toEqual([1, 0]);
      await env.close();
      await server.kill();
    },
    60_000,
  );
});
