import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePackage, PackageCache, packDirectory, sha256Hex } from '../../../core/cluster/code-package.js';
import { resolveJobModule } from '../../../core/cluster/job-module.js';
import { packr } from '../../../core/codec.js';

const base = mkdtempSync(join(tmpdir(), 'tsrl-pkg-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

/** A job directory with code, an executable, a symlink and the dirs that are left out. */
function jobDir(): string {
  const dir = join(base, `job${n++}`);
  mkdirSync(join(dir, 'src', 'node_modules', 'dep'), { recursive: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', 'big'), { recursive: true });
  writeFileSync(join(dir, 'main.ts'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'src', 'env.ts'), 'export const y = 2;\n');
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'run.sh'), 0o755);
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref');
  writeFileSync(join(dir, 'node_modules', 'big', 'index.js'), 'x'.repeat(1000));
  writeFileSync(join(dir, 'src', 'node_modules', 'dep', 'index.js'), 'x');
  symlinkSync('/etc/passwd', join(dir, 'passwd-link'));
  return dir;
}

const badPackage = (files: unknown[]): { bytes: Uint8Array; hash: string } => {
  const bytes = packr.pack({ v: 1, files });
  return { bytes, hash: sha256Hex(bytes) };
};

describe('code packages', () => {
  it('packs the same files to the same hash, leaving out node_modules, .git and links', () => {
    const a = packDirectory(jobDir());
    const b = packDirectory(jobDir());
    expect(a.hash).toBe(b.hash);
    expect(a.numFiles).toBe(3);
    expect(a.skipped).toEqual(['passwd-link']);
    const c = jobDir();
    writeFileSync(join(c, 'main.ts'), 'export const x = 2;\n');
    expect(packDirectory(c).hash).not.toBe(a.hash);
  });

  it('refuses a directory over the cap, naming its largest file', () => {
    const dir = jobDir();
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(3 * 1024 * 1024));
    expect(() => packDirectory(dir, { maxBytes: 1024 * 1024 })).toThrow(
      /over the 1 MiB cap; largest: weights.bin \(3.0 MiB\)/,
    );
  });

  it('unpacks into the cache by hash with contents and modes, and hits the cache after', () => {
    const pkg = packDirectory(jobDir());
    const cache = new PackageCache(join(base, 'cache'));
    expect(cache.lookup(pkg.hash)).toBeUndefined();
    const dir = cache.store(pkg.hash, pkg.bytes);
    expect(readFileSync(join(dir, 'src', 'env.ts'), 'utf8')).toBe('export const y = 2;\n');
    expect(statSync(join(dir, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(cache.lookup(pkg.hash)).toBe(dir);
    expect(cache.store(pkg.hash, new Uint8Array(0))).toBe(dir); // a hit: the bytes are not even read
  });

  it('refuses bytes that do not match the hash, and paths that leave the package', () => {
    const pkg = packDirectory(jobDir());
    expect(() => decodePackage(pkg.bytes, 'a'.repeat(64))).toThrow(/hash to [0-9a-f]{64}, not a{64}/);
    expect(() => decodePackage(pkg.bytes, 'nothex')).toThrow(/not 64 hex/);
    const content = new Uint8Array(1);
    for (const path of ['../evil.js', '/etc/cron.d/x', 'a/../../b', 'a/./b', 'a//b', 'a\\b', '']) {
      const bad = badPackage([[path, 0o644, content]]);
      expect(() => decodePackage(bad.bytes, bad.hash), path).toThrow(/package path/);
    }
    const dup = badPackage([
      ['a', 0o644, content],
      ['a', 0o644, content],
    ]);
    expect(() => decodePackage(dup.bytes, dup.hash)).toThrow(/appears twice/);
    const suid = badPackage([['a', 0o4755, content]]);
    expect(() => decodePackage(suid.bytes, suid.hash)).toThrow(/mode must be 0644 or 0755/);
    const cache = new PackageCache(join(base, 'cache2'));
    const evil = badPackage([['../../escaped', 0o644, content]]);
    expect(() => cache.store(evil.hash, evil.bytes)).toThrow(/leaves the package/);
    expect(cache.lookup(evil.hash)).toBeUndefined();
  });
});

describe('job modules', () => {
  it('resolves files inside the job directory and refuses everything else', () => {
    const dir = jobDir();
    expect(resolveJobModule(dir, './src/env.ts')).toMatch(/^file:\/\/.*\/src\/env\.ts$/);
    expect(resolveJobModule(dir, 'main.ts')).toMatch(/main\.ts$/);
    const refused: [string, RegExp][] = [
      ['data:text/javascript,process.exit(1)', /URLs/],
      ['file:///etc/passwd', /URLs/],
      ['node:child_process', /URLs/],
      ['/etc/passwd', /absolute paths/],
      ['../outside.ts', /outside the job directory/],
      ['src/../../outside.ts', /outside the job directory/],
      ['passwd-link', /links outside the job directory/],
      ['missing.ts', /no such file/],
      ['', /relative path/],
    ];
    for (const [spec, why] of refused) expect(() => resolveJobModule(dir, spec), spec).toThrow(why);
  });
});
