/**
 * Remote functions of `rl bench cluster` (bench/cluster-jobs-peer.ts), part of tsrl's own tree so
 * that every namespaced host's node loads them from its installation.
 */
import { remoteFunction } from '../core/remote-function.js';

/** The smallest task: one number in, the same out. */
export const echoNumber = remoteFunction(import.meta.url, 'echoNumber', (x: number) => x);

/** Receives bytes (from the driver) and says how many arrived. */
export const countBytes = remoteFunction(
  import.meta.url,
  'countBytes',
  (bytes: Uint8Array) => bytes.byteLength,
);

/** Makes `n` bytes on the node (sent back to the driver). */
export const makeBytes = remoteFunction(import.meta.url, 'makeBytes', (n: number) =>
  new Uint8Array(n).fill(3),
);
