/**
 * The quick start of core/README.md runs as written, in process and in local mode, and a module that
 * mixes definitions with driver code fails clearly in process mode instead of starting nodes in its
 * workers (it used to start a node in every worker, recursively).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'core/README.md'), 'utf8');

/** The ```ts block of the README whose first line is `// <name>...`. */
function block(name: string): string {
  for (const m of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const code = m[1] ?? '';
    if (code.startsWith(`// ${name}`)) return code;
  }
  throw new Error(`core/README.md has no \`// ${name}\` block`);
}

// Under the repository root, so that './core/index.js' in the README resolves as written.
const dir = mkdtempSync(join(root, '.tsrl-quickstart-'));
const rel = (code: string): string => code.replaceAll("'./core/index.js'", "'../core/index.js'");

function run(file: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', tsx, join(dir, file)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    }),
  );
}

describe('core/README.md quick start', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const mode of ['process', 'local'] as const) {
    it(`runs as written in ${mode} mode`, async () => {
      writeFileSync(join(dir, 'work.ts'), rel(block('work.ts')));
      let main = rel(block('main.ts'));
      if (mode === 'local') {
        expect(main).toContain('await init();');
        main = main.replace('await init();', 'await init({ localMode: true });');
      }
      const file = `main-${mode}.ts`;
      writeFileSync(join(dir, file), main);
      const { code, out, err } = await run(file);
      expect(err).toBe('');
      expect(out.trim().split('\n')).toEqual(['[ 1, 4, 9 ]', '13', '1000000']);
      expect(code).toBe(0);
    }, 120_000);
  }

  const single = (localMode: boolean): string => `
import { get, init, remoteFunction, shutdown } from '../core/index.js';
export const double = remoteFunction(import.meta.url, 'double', (x: number) => 2 * x);
await init(${localMode ? '{ localMode: true }' : '{ numCpus: 2 }'});
try {
  console.log(await get(double.remote(21)));
} catch (e) {
  console.log('failed: ' + (e as Error).message);
}
await shutdown();
`;

  it('runs a single module with definitions and driver code in local mode', async () => {
    writeFileSync(join(dir, 'single-local.ts'), single(true));
    const { code, out } = await run('single-local.ts');
    expect(out.trim()).toBe('42');
    expect(code).toBe(0);
  }, 120_000);

  it('fails clearly, without starting nodes in workers, when a worker imports driver code', async () => {
    writeFileSync(join(dir, 'single-process.ts'), single(false));
    const { code, out } = await run('single-process.ts');
    expect(out).toMatch(/failed: module .*single-process\.ts uses the runtime at top level/);
    expect(code).toBe(0);
  }, 120_000);
});
