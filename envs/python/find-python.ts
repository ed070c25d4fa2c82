/**
 * Which Python interpreter runs tsrl's Python env servers: the one named (config `env.options.python`,
 * `rl env serve --python`), else the first `python3` / `python` on PATH (then /usr/bin/python3) that
 * imports the modules the server needs. Searches run once per PATH (or interpreter) and module set.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The interpreter chosen, and why. */
export interface PythonChoice {
  /** Path or command of the interpreter. */
  readonly python: string;
  /** One line for the log: which, its version, how it was found. */
  readonly description: string;
}

/** No interpreter has the modules; the message lists each one tried with its error, and the fix. */
export class PythonNotFoundError extends Error {
  override readonly name = 'PythonNotFoundError';
}

const probes = new Map<string, Promise<PythonChoice>>();

/**
 * Finds the interpreter (see the module comment). `modules`: what it must import, e.g.
 * `['zmq', 'msgpack', 'numpy', 'gymnasium']`.
 * @throws PythonNotFoundError naming every interpreter tried and why it failed.
 */
export function findPython(modules: readonly string[], explicit?: string): Promise<PythonChoice> {
  const key = `${explicit ?? process.env['PATH'] ?? ''}|${modules.join(',')}`;
  let found = probes.get(key);
  if (found === undefined) {
    found = search(modules, explicit);
    probes.set(key, found);
    // A failure is not cached: the user may install the modules and try again in the same process.
    found.catch(() => probes.delete(key));
  }
  return found;
}

/** `python3` and `python` in each PATH directory, in order, then Debian's /usr/bin/python3. */
export function pythonCandidates(path = process.env['PATH'] ?? ''): string[] {
  const out: string[] = [];
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    for (const name of ['python3', 'python']) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        if (!out.includes(file)) out.push(file);
      } catch {
        // not there
      }
    }
  }
  if (!out.includes('/usr/bin/python3')) out.push('/usr/bin/python3');
  return out;
}

async function search(modules: readonly string[], explicit: string | undefined): Promise<PythonChoice> {
  const candidates = explicit === undefined ? pythonCandidates() : [explicit];
  const tried: string[] = [];
  for (const python of candidates) {
    const result = await probe(python, modules);
    if (typeof result === 'object') {
      const how =
        explicit === undefined
          ? `the first Python on PATH that imports ${modules.join(', ')}${tried.length > 0 ? `; tried before it: ${tried.join('; ')}` : ''}`
          : 'as configured';
      return { python, description: `${python} (Python ${result.version}), ${how}` };
    }
    tried.push(`${python} (${result})`);
  }
  const install =
    `install them (pip install pyzmq msgpack numpy${modules.includes('gymnasium') ? ' gymnasium' : ''}; ` +
    'Debian/Ubuntu: apt-get install python3-zmq python3-msgpack python3-numpy)';
  throw new PythonNotFoundError(
    explicit === undefined
      ? `no Python on PATH imports ${modules.join(', ')}: tried ${tried.join('; ')}. Either ${install}, ` +
          'or name an interpreter that has them with env.options.python (rl env serve --python).'
      : `the Python named by env.options.python cannot be used: ${tried.join('; ')}. Either ${install}, ` +
          'or name another interpreter.',
  );
}

/** The interpreter's version when it imports every module, else why not (one line). */
function probe(python: string, modules: readonly string[]): Promise<{ version: string } | string> {
  const code = `import platform\n${modules.map((m) => `import ${m}`).join('\n')}\nprint(platform.python_version())`;
  return new Promise((resolve) => {
    const child = spawn(python, ['-c', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      err += String(d);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ version: out.trim() });
      else resolve(err.trim().split('\n').pop() || `exited with ${String(code)}`);
    });
  });
}
