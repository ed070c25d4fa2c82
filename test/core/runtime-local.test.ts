import { runtimeSuite } from './runtime-suite.js';

runtimeSuite('local mode', { localMode: true });
