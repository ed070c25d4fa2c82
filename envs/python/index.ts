/**
 * Python envs that tsrl serves itself (`gymnasium:<Id>`, `python:<module>:<Class>`): importing this
 * module registers their resolver, so that these ids work wherever an env id does.
 */
import { type EnvResolver, registerEnvResolver } from '../registry.js';
import { PythonVectorEnv } from './python-vector-env.js';

export { findPython, type PythonChoice, PythonNotFoundError, pythonCandidates } from './find-python.js';
export { isPythonEnvId, type PythonEnvId, parsePythonEnvId } from './python-env-id.js';
export { PythonServerProcess, pythonServerScript } from './python-server-process.js';
export { type PythonEnvOptions, PythonVectorEnv, pythonEnvOptions } from './python-vector-env.js';

/** Starts a Python env server per vector env (one per env runner). */
export const pythonEnvResolver: EnvResolver = {
  name: 'Python env (started by tsrl)',
  makeVectorEnv: (id, numEnvs, options) => PythonVectorEnv.start(id, numEnvs, options),
};

registerEnvResolver('gymnasium:', pythonEnvResolver);
registerEnvResolver('python:', pythonEnvResolver);
