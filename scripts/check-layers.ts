/**
 * Enforces the one-way dependency rule core <- envs <- rl <- algorithms: a module may import its own
 * layer and the layers below it, never one above. Type-only imports count too (they still couple).
 * Exits 1 listing every violation as file:line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const LAYERS = ['core', 'envs', 'rl', 'algorithms'] as const;
type Layer = (typeof LAYERS)[number];

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

function layerOf(path: string): Layer | undefined {
  const top = relative(root, path).split(sep)[0];
  return LAYERS.find((layer) => layer === top);
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
const violations: string[] = [];
for (const layer of LAYERS) {
  const rank = LAYERS.indexOf(layer);
  for (const file of sourceFiles(join(root, layer))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const match of line.matchAll(IMPORT)) {
        const target = resolve(dirname(file), match[1] ?? '');
        const targetLayer = layerOf(target);
        if (targetLayer === undefined) {
          violations.push(`${relative(root, file)}:${i + 1}: imports ${match[1]} outside the layers`);
        } else if (LAYERS.indexOf(targetLayer) > rank) {
          violations.push(
            `${relative(root, file)}:${i + 1}: ${layer}/ must not import ${targetLayer}/ (${match[1]})`,
          );
        }
      }
    });
  }
}
if (violations.length > 0) {
  process.stderr.write(`Layer rule core <- envs <- rl <- algorithms broken:\n${violations.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`layers ok: ${LAYERS.join(' <- ')}\n`);
