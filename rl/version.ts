/**
 * The installed tsrl version and package root, read once from package.json. Works from the sources
 * (rl/version.ts) and from the build (dist/rl/version.js) alike by walking up to the package root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed: unknown = JSON.parse(readFileSync(candidate, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'tsrl')
        return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`tsrl: no package.json named "tsrl" above ${start}`);
    dir = parent;
  }
}

/** Absolute path of the tsrl package root (the folder holding its package.json). */
export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The tsrl version from package.json, e.g. `0.1.0`. */
export const TSRL_VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
