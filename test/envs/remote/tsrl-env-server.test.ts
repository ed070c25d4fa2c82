/** The env protocol against the Python server (envs/python/tsrl_env_server.py). */
import { describeCounterServer } from './counter-suite.js';
import { pythonMissing, startPythonCounter } from './server-process.js';

describeCounterServer(
  'Python server',
  (address, fault) => startPythonCounter(address, fault),
  pythonMissing(),
);
