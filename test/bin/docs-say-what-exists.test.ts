/**
 * README.md, package.json, `rl --help` and docs/ say only what exists: every algorithm they name is
 * wired into the CLI, every algorithm folder docs/architecture.md lists exists, and no doc calls the
 * native backends peer dependencies unless package.json declares them so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALGORITHM_NAMES } from '../../bin/main.js';
import { runRl } from '../smoke/run-rl.js';

const read = (path: string) => readFileSync(path, 'utf8');
const pkg = JSON.parse(read('package.json')) as { description: string; peerDependencies?: object };
const KNOWN_ALGORITHM_WORDS = /\b(PPO|DQN|SAC|APEX-DQN|APPO|IMPALA|TD3|DDPG|A2C|A3C)\b/g;
const wired = new Set(ALGORITHM_NAMES.map((n) => n.toUpperCase()));

/** The algorithm names a sentence lists (APEX-DQN counts as one name, not as DQN). */
const namedAlgorithms = (text: string) => [...text.matchAll(KNOWN_ALGORITHM_WORDS)].map((m) => m[1]!);

describe('docs say what exists', () => {
  it("package.json's description names only wired algorithms", () => {
    for (const name of namedAlgorithms(pkg.description)) expect(wired, name).toContain(name);
  });

  it("the README's opening paragraph names only wired algorithms", () => {
    const opening = read('README.md').split('\n## ')[0]!;
    for (const name of namedAlgorithms(opening)) expect(wired, name).toContain(name);
  });

  it('`rl --help` names only wired algorithms', async () => {
    const help = (await runRl(['--help'])).stdout;
    for (const name of namedAlgorithms(help)) expect(wired, name).toContain(name);
  });

  it('every algorithm folder docs/architecture.md lists exists', () => {
    const row = read('docs/architecture.md')
      .split('\n')
      .find((l) => l.startsWith('| `algorithms/` |'));
    const folders = [...(row ?? '').matchAll(/`([a-z-]+)\/`/g)]
      .map((m) => m[1]!)
      .filter((f) => f !== 'algorithms');
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) expect(existsSync(join('algorithms', folder)), folder).toBe(true);
  });

  it('no doc calls a package a peer dependency that package.json does not declare', () => {
    const docs = ['README.md', ...readdirSync('docs').map((f) => join('docs', f))];
    for (const doc of docs) {
      if (/peer dependenc/i.test(read(doc))) expect(pkg.peerDependencies, doc).toBeDefined();
    }
  });
});
