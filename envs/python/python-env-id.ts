/**
 * Env ids of Python envs that tsrl serves itself: `gymnasium:<Id>` (any registered Gymnasium id, made
 * with `gymnasium.make`) and `python:<module>:<Class>` or `python:<path/file.py>:<factory>` (a class
 * or factory with Gymnasium's API).
 */

/** A parsed Python env id. */
export interface PythonEnvId {
  /** The `--env` argument of tsrl_env_server.py (`gymnasium:CartPole-v1`, `my_pkg.envs:Grid`, ...). */
  readonly serverEnv: string;
  /** Modules the interpreter must import besides the server's own (zmq, msgpack, numpy). */
  readonly needs: readonly string[];
}

/** True for ids starting with `gymnasium:` or `python:`. */
export function isPythonEnvId(id: string): boolean {
  return id.startsWith('gymnasium:') || id.startsWith('python:');
}

/**
 * Parses a Python env id.
 * @throws TypeError naming the id and the expected forms.
 */
export function parsePythonEnvId(id: string): PythonEnvId {
  if (id.startsWith('gymnasium:')) {
    const name = id.slice('gymnasium:'.length);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_./:-]*$/.test(name)) {
      throw new TypeError(
        `env.id (${id}): expected gymnasium:<registered id>, e.g. gymnasium:LunarLander-v3`,
      );
    }
    return { serverEnv: id, needs: ['gymnasium'] };
  }
  const target = id.startsWith('python:') ? id.slice('python:'.length) : '';
  const colon = target.lastIndexOf(':');
  const where = target.slice(0, colon);
  const attr = target.slice(colon + 1);
  if (colon <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(attr)) {
    throw new TypeError(
      `env.id (${id}): expected python:<module>:<Class> (e.g. python:my_envs:GridWorld) or ` +
        'python:<path/to/file.py>:<Class or factory>',
    );
  }
  return { serverEnv: `${where}:${attr}`, needs: [] };
}
