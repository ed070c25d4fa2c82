import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../../scripts/check-sync-readbacks.ts');
const run = (root?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...(root === undefined ? [] : [root])], {
    encoding: 'utf8',
  });

describe('scripts/check-sync-readbacks.ts', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('passes on the repository: rl/ and algorithms/ read tensors only asynchronously', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 30_000);

  it('fails on a new dataSync/arraySync/bufferSync in rl/ or algorithms/, naming file and line', () => {
    dir = mkdtempSync(join(tmpdir(), 'tsrl-sync-lint-'));
    mkdirSync(join(dir, 'rl/models'), { recursive: true });
    mkdirSync(join(dir, 'algorithms/x'), { recursive: true });
    mkdirSync(join(dir, 'bench'), { recursive: true });
    writeFileSync(join(dir, 'rl/models/a.ts'), 'const ok = await t.data();\nconst v = t.dataSync();\n');
    writeFileSync(
      join(dir, 'algorithms/x/b.ts'),
      '// t.dataSync() in a comment is fine\nt.arraySync ();\nt.bufferSync();\n',
    );
    writeFileSync(join(dir, 'bench/c.ts'), 't.dataSync();\n'); // outside the checked folders
    const r = run(dir);
    expect(r.status).toBe(1);
    const listed = r.stderr.split('\n').filter((l) => /:\d+: /.test(l));
    expect(listed.sort()).toEqual([
      'algorithms/x/b.ts:2: arraySync()',
      'algorithms/x/b.ts:3: bufferSync()',
      'rl/models/a.ts:2: dataSync()',
    ]);
  }, 30_000);
});
