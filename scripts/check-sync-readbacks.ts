/**
 * Fails on synchronous tensor read-backs (`dataSync`, `arraySync`, `bufferSync`) in rl/ and algorithms/:
 * on webgpu in Node they throw (`OffscreenCanvas is not defined`), and on any GPU they stall the queue.
 * Read with `await t.data()` once per update instead (docs/gpu.md). There is no allow-list.
 *
 * Usage: `node --import tsx scripts/check-sync-readbacks.ts [root]` (root defaults to the repository).
 * Exits 1 listing every violation as file:line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..'));
const DIRS = ['rl', 'algorithms'];
const SYNC_READ = /\.(dataSync|arraySync|bufferSync)\s*\(/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

const violations: string[] = [];
for (const dir of DIRS) {
  if (!existsSync(join(root, dir))) continue;
  for (const file of sourceFiles(join(root, dir))) {
    const rel = relative(root, file).split('\\').join('/');
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const text = line.trimStart();
        if (text.startsWith('//') || text.startsWith('*')) return;
        for (const match of line.matchAll(SYNC_READ)) violations.push(`${rel}:${i + 1}: ${match[1]}()`);
      });
  }
}
if (violations.length > 0) {
  process.stderr.write(
    `Synchronous tensor read-backs in rl/ or algorithms/ (use \`await t.data()\`; scripts/check-sync-readbacks.ts):\n${violations.join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write('sync read-backs ok: none in rl/ or algorithms/\n');
