/**
 * Which modules a job may load on a node: only files inside the job's unpacked working directory,
 * named by a relative path. A message naming `data:` or `file:` URLs, an absolute path, a path that
 * climbs out with `..`, or a symbolic link pointing outside is refused, so a message can never make a
 * node load code of its own choosing.
 */
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * The file URL of `specifier` inside `jobRoot`.
 * @throws Error naming the specifier and why it is refused
 */
export function resolveJobModule(jobRoot: string, specifier: string): string {
  const refuse = (why: string): never => {
    throw new Error(`module ${JSON.stringify(specifier.slice(0, 200))} refused: ${why}`);
  };
  if (specifier.length === 0 || specifier.length > 1024 || specifier.includes('\0')) {
    refuse('expected a relative path of 1-1024 characters');
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(specifier))
    refuse('URLs (data:, file:, node:, http:) are not loaded from messages');
  if (isAbsolute(specifier))
    refuse('absolute paths are not loaded from messages; name a file of the job directory');
  const root = realpathSync(jobRoot);
  const path = resolve(root, specifier);
  if (!inside(root, path)) refuse('it is outside the job directory');
  if (!existsSync(path)) refuse('no such file in the job directory');
  if (!inside(root, realpathSync(path))) refuse('it links outside the job directory');
  return pathToFileURL(path).href;
}
