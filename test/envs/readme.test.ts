/**
 * The custom env of envs/README.md works as documented: its code block, saved as `grid-walk.ts` in a
 * project that has tsrl installed, passes `rl env check ./grid-walk.ts` run by the built CLI on plain
 * Node (`tsrl/envs` resolved through package.json exports, the .ts module loaded with tsx).
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const project = mkdtempSync(join(tmpdir(), 'tsrl-readme-env-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The first ```ts block after the "Writing an env in TypeScript" heading. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO, 'envs/README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Writing an env in TypeScript'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null)
    throw new Error('envs/README.md has no ```ts block under "Writing an env in TypeScript"');
  return match[1]!;
}

describe('envs/README.md example', () => {
  it('passes `rl env check ./grid-walk.ts` in a project that installed tsrl', async () => {
    expect(existsSync(join(REPO, 'dist/bin/main.js')), 'run `npm run build` first').toBe(true);
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(REPO, join(project, 'node_modules', 'tsrl'), 'dir');
    writeFileSync(join(project, 'grid-walk.ts'), readmeExample());
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(project, 'node_modules/tsrl/bin/rl.js'), 'env', 'check', './grid-walk.ts', '--steps', '200'],
      { cwd: project, timeout: 60_000 },
    );
    expect(stdout).toContain('GridWalk-v0: OK');
  }, 90_000);
});
