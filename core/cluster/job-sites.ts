/**
 * Definitions across machines are addressed by a path relative to a root, never by a URL: `job` (the
 * job's working directory, shipped as a code package) or `tsrl` (tsrl's own installation on each
 * machine, for the runtime's and RL library's own remote classes). A node resolves the path only inside
 * that root (job-module.ts refuses URLs, absolute paths, `..` and links out), so a message can never
 * make a node load code of its own choosing.
 *
 * Sources and build: a driver running tsrl from its TypeScript sources names `rl/x.ts`; a node running
 * the build loads `dist/rl/x.js` (and the other way round), so both sides use one copy of the runtime.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DefinitionSite } from '../backend.js';
import { resolveJobModule } from './job-module.js';
import type { WireSite } from './job-protocol.js';

function findTsrlRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name === 'tsrl') return dir;
      } catch {
        // not a package.json we can read: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json named "tsrl" above ${start}`);
    dir = parent;
  }
}

const HERE = fileURLToPath(import.meta.url);
/** The folder of tsrl's package.json on this machine. */
export const TSRL_ROOT = findTsrlRoot(dirname(HERE));
const FROM_SOURCES = HERE.endsWith('.ts');

/** `rel` if `path` is inside `root` (and not in a node_modules folder of it), else undefined. */
function inside(root: string, path: string, allowNodeModules: boolean): string | undefined {
  const rel = relative(root, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  if (!allowNodeModules && rel.split(sep).includes('node_modules')) return undefined;
  return rel.split(sep).join('/');
}

/**
 * The wire form of a definition site of this driver.
 * @throws Error when the module is neither in the job's working directory nor part of tsrl
 */
export function toWireSite(site: DefinitionSite, jobRoot: string): WireSite {
  if (!site.moduleUrl.startsWith('file:')) {
    throw new Error(
      `${site.exportName}: only modules of files can run on a cluster (got ${site.moduleUrl.slice(0, 60)}); ` +
        'define it in a file of the job directory',
    );
  }
  const file = fileURLToPath(site.moduleUrl);
  const inJob = inside(jobRoot, file, false);
  if (inJob !== undefined) return { root: 'job', path: inJob, exportName: site.exportName };
  const inTsrl = inside(TSRL_ROOT, file, false);
  if (inTsrl !== undefined) return { root: 'tsrl', path: inTsrl, exportName: site.exportName };
  throw new Error(
    `${site.exportName} is defined in ${file}, outside the job's working directory ${jobRoot}: nodes ` +
      "load only the job's files (init({ workingDir }) sets the directory)",
  );
}

/** The file URL of a wire site on this node. @throws Error naming the site and why it is refused */
export function resolveWireSite(site: WireSite, jobDir: string): string {
  if (site.root === 'job') return resolveJobModule(jobDir, site.path);
  for (const candidate of flavours(site.path)) {
    try {
      return resolveJobModule(TSRL_ROOT, candidate);
    } catch {
      // try the next form
    }
  }
  return resolveJobModule(TSRL_ROOT, site.path); // throws with the reason
}

function flavours(path: string): string[] {
  const asBuild = path.endsWith('.ts') ? `dist/${path.slice(0, -3)}.js` : undefined;
  const asSource = path.startsWith('dist/') && path.endsWith('.js') ? `${path.slice(5, -3)}.ts` : undefined;
  const mine = FROM_SOURCES ? asSource : asBuild;
  return mine === undefined ? [path] : [mine, path];
}

/**
 * Gives an unpacked job directory the packages of this machine's tsrl installation: a `node_modules`
 * folder of links to the installation's packages, plus `tsrl` itself, so that the job's `import 'tsrl'`
 * loads the node's own copy of the runtime.
 */
export function linkNodeModules(jobDir: string): void {
  const target = join(jobDir, 'node_modules');
  if (existsSync(target)) return;
  const source = installedNodeModules();
  const tmp = `${target}.${process.pid}.partial`;
  mkdirSync(tmp, { recursive: true });
  const names = source === undefined ? [] : readdirSync(source);
  for (const name of names) {
    if (name.startsWith('.')) continue;
    symlinkSync(join(source as string, name), join(tmp, name));
  }
  if (!names.includes('tsrl')) symlinkSync(TSRL_ROOT, join(tmp, 'tsrl'));
  try {
    renameSync(tmp, target);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process linked it first
  }
}

/** The node_modules folder tsrl's own dependencies resolve from on this machine. */
function installedNodeModules(): string | undefined {
  let dir = TSRL_ROOT;
  for (;;) {
    const own = join(dir, 'node_modules');
    if (dir.split(sep).pop() === 'node_modules') return dir;
    if (existsSync(own)) return own;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
