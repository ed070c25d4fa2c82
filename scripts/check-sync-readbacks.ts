/**
 * Fails on synchronous tensor read-backs (`dataSync`, `arraySync`, `bufferSync`) in rl/ and algorithms/:
 * on webgpu in Node they throw (`OffscreenCanvas is not defined`), and on any GPU they stall the queue.
 * Read with `await t.data()` once per update instead (docs/gpu.md).
 *
 * PENDING lists the files that still read synchronously, with how many calls each may keep: the count
 * may only go down (a new call anywhere fails, and so does a stale entry once a file is clean).
 * Exits 1 listing every violation as file:line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const DIRS = ['rl', 'algorithms'];
const SYNC_READ = /\.(dataSync|arraySync|bufferSync)\s*\(/g;

/** Files not converted yet: their synchronous learner APIs (DQN, SAC) still use them. */
const PENDING: Readonly<Record<string, number>> = {
  'rl/optim/adam.ts': 5, // step/computeGradients/applyGradients/getState, used by the DQN and SAC learners
  'rl/models/parameters.ts': 1, // get(), used by the DQN and SAC learners (read() is the async one)
  'rl/models/policy-forward.ts': 1, // its tfjs branch for large-batch runner inference
  'algorithms/dqn/learner.ts': 1, // TD errors for priorities
};

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

const violations: string[] = [];
const counts = new Map<string, number>();
for (const dir of DIRS) {
  for (const file of sourceFiles(join(root, dir))) {
    const rel = relative(root, file).split('\\').join('/');
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
        for (const match of line.matchAll(SYNC_READ)) {
          counts.set(rel, (counts.get(rel) ?? 0) + 1);
          if (PENDING[rel] === undefined) violations.push(`${rel}:${i + 1}: ${match[1]}()`);
        }
      });
  }
}
for (const [file, allowed] of Object.entries(PENDING)) {
  const n = counts.get(file) ?? 0;
  if (n > allowed) violations.push(`${file}: ${n} synchronous reads, at most ${allowed} allowed`);
  if (n < allowed)
    violations.push(`${file}: ${n} synchronous reads now; lower its PENDING entry to ${n} (or remove it)`);
}
if (violations.length > 0) {
  process.stderr.write(
    `Synchronous tensor read-backs in rl/ or algorithms/ (use \`await t.data()\`; scripts/check-sync-readbacks.ts):\n${violations.join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write('sync read-backs ok: none outside the pending list\n');
