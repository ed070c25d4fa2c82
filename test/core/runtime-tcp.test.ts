import { runtimeSuite } from './runtime-suite.js';

// The wire-facing behaviours over tcp; the driver-side ones run in the ipc suite.
runtimeSuite('process mode, tcp', { transport: 'tcp' }, true);
