/**
 * What `npm install tsrl` gets: package.json's `files` ships the build, the CLI, the presets, the
 * docs and examples, and the Python env server (the single file, the tsrl_env package and its wheel)
 * and the fixtures `rl bench` serves, but no sources the build replaces, tests or CI files.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');

/** The paths `npm pack` would put in the tarball (scripts off: no build, nothing written). */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: REPO,
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return pack!.files.map((f) => f.path);
}

describe('npm pack', () => {
  it('ships what a user runs, the Python server and its wheel, and no tests or sources', async () => {
    expect(existsSync(join(REPO, 'dist/bin/main.js')), 'run `npm run build` first').toBe(true);
    const files = await packedFiles();
    for (const needed of [
      'package.json',
      'README.md',
      'bin/rl.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/bin/main.js',
      'dist/envs/python/python-server-process.js',
      'configs/cartpole-ppo.yaml',
      'configs/target-reach-python-ppo.yaml',
      'docs/env-protocol.md',
      'examples/python-env/README.md',
      'examples/python-env/target_reach.py',
      'examples/python-env/cartpole.py',
      'bench/fixtures/costly_cartpole.py',
      'envs/python/tsrl_env_server.py',
      'envs/python/tsrl_env/__init__.py',
      'envs/python/pyproject.toml',
      'envs/python/wheel/tsrl_env-0.1.0-py3-none-any.whl',
    ]) {
      expect(files, needed).toContain(needed);
    }
    const junk = files.filter(
      (f) =>
        /^(test|\.ci|deploy|scripts|core|rl|algorithms)\//.test(f) ||
        /^(bench|envs)\/[^/]+\.ts$/.test(f) ||
        f.includes('__pycache__') ||
        /^(tsconfig|vitest|biome)/.test(f),
    );
    expect(junk).toEqual([]);
  }, 150_000);
});
