import { runtimeSuite } from './runtime-suite.js';

runtimeSuite('process mode, tcp', { transport: 'tcp' });
