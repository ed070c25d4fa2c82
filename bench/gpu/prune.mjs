// Prunes a production node_modules for the linux-x64 GPU machine (bench/gpu/pack.sh): other platforms'
// prebuilt binaries (webgpu's dawn.node, zeromq's addon) go, and each @tensorflow package keeps its
// package.json, the Node bundle its "main" names and its .wasm files (tfjs loads nothing else in Node).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

const modules = process.argv[2];
if (modules === undefined) throw new Error('usage: node prune.mjs <node_modules>');
const KEEP_PLATFORM = 'linux-x64';

function keepOnly(dir, keep) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) if (!keep.includes(name)) rmSync(join(dir, name), { recursive: true });
}

keepOnly(join(modules, 'webgpu', 'dist'), [KEEP_PLATFORM]);
keepOnly(join(modules, 'zeromq', 'build'), ['linux', 'manifest.json']);
keepOnly(join(modules, 'zeromq', 'build', 'linux'), ['x64']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

const tfRoot = join(modules, '@tensorflow');
for (const pkg of existsSync(tfRoot) ? readdirSync(tfRoot) : []) {
  const dir = join(tfRoot, pkg);
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const main = normalize(join(dir, meta.main ?? 'index.js'));
  for (const file of walk(dir)) {
    if (file === main || file.endsWith('package.json') || file.endsWith('.wasm')) continue;
    rmSync(file);
  }
}
