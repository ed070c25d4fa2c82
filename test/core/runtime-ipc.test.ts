import { runtimeSuite } from './runtime-suite.js';

runtimeSuite('process mode, ipc', { transport: 'ipc' });
