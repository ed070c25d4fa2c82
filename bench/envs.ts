/**
 * `rl bench envs`: raw steps/s of the built-in envs (single and vectorised), of remote envs over
 * the ZeroMQ protocol (TS and Python servers, ipc and tcp, batch sizes 1/16/64), and of Python env
 * servers stepping in order vs in subprocess workers (labelled by the Python env measured).
 */
import { benchEnvsLocal } from './envs-local.js';
import { benchPythonStepping } from './envs-python-stepping.js';
import { benchEnvsRemote } from './envs-remote.js';

export async function benchEnvs(): Promise<Record<string, unknown>> {
  return {
    local: await benchEnvsLocal(),
    remote: await benchEnvsRemote(),
    pythonStepping: await benchPythonStepping(),
  };
}
