/**
 * Code across machines: a job's working directory as one content-addressed package. The driver packs
 * its directory (sorted, so the same files give the same hash; `node_modules` and `.git` excluded by
 * default; symbolic links skipped; size-capped), uploads it once, and nodes fetch it by hash and
 * unpack it into a cache directory named by the hash, reused by every later job with the same code.
 *
 * Layout (version {@link PACKAGE_VERSION}): msgpack of `{ v, files: [path, mode, bytes][] }`, paths
 * relative with `/`, mode 0o644 or 0o755; the hash is SHA-256 of those bytes, in hex. Everything is
 * checked on unpack: the hash, every path (no absolute path, no `..`, no `.` segment, nothing outside
 * the directory), modes, counts and sizes.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { packr } from '../codec.js';

/** The package layout version (field `v`). */
export const PACKAGE_VERSION = 1;

/** Defaults: 64 MiB of files at most, `node_modules` and `.git` left out. */
export const DEFAULT_PACKAGE_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_PACKAGE_EXCLUDES: readonly string[] = Object.freeze(['node_modules', '.git']);
const MAX_FILES = 100_000;

/** A packed directory. */
export interface CodePackage {
  /** SHA-256 of `bytes`, 64 hex characters. */
  readonly hash: string;
  readonly bytes: Uint8Array;
  readonly numFiles: number;
  /** Bytes of file content. */
  readonly sizeBytes: number;
  /** Symbolic links and other non-regular files left out, relative paths. */
  readonly skipped: readonly string[];
}

/** Options of {@link packDirectory}. */
export interface PackOptions {
  /** Directory or file names left out wherever they appear. @default node_modules, .git */
  readonly excludes?: readonly string[];
  /** Most bytes of file content. @default 64 MiB */
  readonly maxBytes?: number;
}

type Entry = [path: string, mode: number, bytes: Uint8Array];

/** SHA-256 in hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Packs `root`.
 * @throws Error when the files exceed `maxBytes` (naming the largest) or `root` is not a directory
 */
export function packDirectory(root: string, opts: PackOptions = {}): CodePackage {
  const excludes = new Set(opts.excludes ?? DEFAULT_PACKAGE_EXCLUDES);
  const maxBytes = opts.maxBytes ?? DEFAULT_PACKAGE_MAX_BYTES;
  if (!statSync(root).isDirectory()) throw new Error(`working directory ${root} is not a directory`);
  const entries: Entry[] = [];
  const skipped: string[] = [];
  let sizeBytes = 0;
  const walk = (rel: string): void => {
    const names = readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    for (const d of names) {
      if (excludes.has(d.name)) continue;
      const path = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) walk(path);
      else if (d.isFile()) {
        const full = join(root, path);
        const bytes = readFileSync(full);
        sizeBytes += bytes.byteLength;
        const mode = (statSync(full).mode & 0o111) !== 0 ? 0o755 : 0o644;
        entries.push([path, mode, bytes]);
      } else skipped.push(path);
    }
  };
  walk('');
  if (sizeBytes > maxBytes) {
    const largest = [...entries]
      .sort((a, b) => b[2].byteLength - a[2].byteLength)
      .slice(0, 5)
      .map(([p, , b]) => `${p} (${(b.byteLength / 1048576).toFixed(1)} MiB)`);
    throw new Error(
      `working directory ${root} holds ${(sizeBytes / 1048576).toFixed(1)} MiB of files, over the ${(maxBytes / 1048576).toFixed(0)} MiB cap; ` +
        `largest: ${largest.join(', ')}. Exclude them or raise the cap.`,
    );
  }
  if (entries.length > MAX_FILES) throw new Error(`working directory ${root} holds over ${MAX_FILES} files`);
  const bytes = packr.pack({ v: PACKAGE_VERSION, files: entries });
  return { hash: sha256Hex(bytes), bytes, numFiles: entries.length, sizeBytes, skipped };
}

const HASH = /^[0-9a-f]{64}$/;

/** Whether a text is a package hash. */
export function isPackageHash(text: string): boolean {
  return HASH.test(text);
}

/** Checks a relative path from a package. @throws Error naming it */
function checkPath(path: unknown): string {
  if (
    typeof path !== 'string' ||
    path.length === 0 ||
    path.length > 1024 ||
    path.includes('\0') ||
    path.includes('\\')
  ) {
    throw new Error(`package path ${JSON.stringify(path)} is not a relative path of 1-1024 characters`);
  }
  const segments = path.split('/');
  if (path.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`package path ${JSON.stringify(path)} leaves the package or is not normalised`);
  }
  return path;
}

/**
 * Checks and decodes package bytes against their hash.
 * @throws Error on a hash mismatch or a malformed package, naming what is wrong
 */
export function decodePackage(
  bytes: Uint8Array,
  hash: string,
  maxBytes = DEFAULT_PACKAGE_MAX_BYTES,
): Entry[] {
  if (!isPackageHash(hash)) throw new Error(`package hash ${JSON.stringify(hash)} is not 64 hex characters`);
  const actual = sha256Hex(bytes);
  if (actual !== hash) throw new Error(`package bytes hash to ${actual}, not ${hash}`);
  let decoded: unknown;
  try {
    decoded = packr.unpack(bytes);
  } catch {
    throw new Error('package is not msgpack');
  }
  const rec = decoded as { v?: unknown; files?: unknown } | null;
  if (typeof rec !== 'object' || rec === null || rec.v !== PACKAGE_VERSION || !Array.isArray(rec.files)) {
    throw new Error(`package layout must be { v: ${PACKAGE_VERSION}, files: [...] }`);
  }
  if (rec.files.length > MAX_FILES)
    throw new Error(`package holds ${rec.files.length} files (at most ${MAX_FILES})`);
  let size = 0;
  const seen = new Set<string>();
  const files: Entry[] = [];
  for (const f of rec.files as unknown[]) {
    if (!Array.isArray(f) || f.length !== 3)
      throw new Error('package file entries must be [path, mode, bytes]');
    const path = checkPath(f[0]);
    if (seen.has(path)) throw new Error(`package path ${path} appears twice`);
    seen.add(path);
    if (f[1] !== 0o644 && f[1] !== 0o755) throw new Error(`package file ${path}: mode must be 0644 or 0755`);
    if (!(f[2] instanceof Uint8Array)) throw new Error(`package file ${path}: content must be bytes`);
    size += f[2].byteLength;
    if (size > maxBytes) throw new Error(`package content exceeds ${maxBytes} bytes`);
    files.push([path, f[1], f[2]]);
  }
  return files;
}

/** Packages unpacked on this machine, one directory per hash. */
export class PackageCache {
  constructor(readonly dir: string) {}

  /** The directory of a cached package, or undefined. */
  lookup(hash: string): string | undefined {
    if (!isPackageHash(hash)) return undefined;
    const path = join(this.dir, hash);
    return existsSync(path) ? path : undefined;
  }

  /**
   * Checks and unpacks a package (a cache hit does nothing) and returns its directory. Unpacking goes
   * to a temporary directory renamed into place, so a crash never leaves a half package under the hash.
   * @throws Error from {@link decodePackage}
   */
  store(hash: string, bytes: Uint8Array, maxBytes = DEFAULT_PACKAGE_MAX_BYTES): string {
    const cached = this.lookup(hash);
    if (cached !== undefined) return cached;
    const files = decodePackage(bytes, hash, maxBytes);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${hash}.${process.pid}.partial`);
    rmSync(tmp, { recursive: true, force: true });
    for (const [path, mode, content] of files) {
      const full = join(tmp, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content, { mode });
    }
    mkdirSync(tmp, { recursive: true });
    const final = join(this.dir, hash);
    try {
      renameSync(tmp, final);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(final)) throw err; // another process unpacked the same package first: fine
    }
    return final;
  }
}
