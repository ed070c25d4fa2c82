/**
 * The ZeroMQ socket options that turn CURVE on, in one place for every cluster socket (head, nodes,
 * clients, and the cluster benchmark): the server serves with the cluster key and asks the ZAP domain
 * (zap-gate.ts) to admit clients; a client presents the cluster key pair and expects the head's key.
 * An undefined key gives plain ZeroMQ.
 */
import type { ClusterKey } from './cluster-key.js';

/** Options for the listening socket. */
export function curveServerOptions(
  key: ClusterKey | undefined,
  zapDomain: string,
): { curveServer?: boolean; curveSecretKey?: string; curvePublicKey?: string; zapDomain?: string } {
  if (key === undefined) return {};
  return { curveServer: true, curveSecretKey: key.secretKey, curvePublicKey: key.publicKey, zapDomain };
}

/** Options for a connecting socket. */
export function curveClientOptions(key: ClusterKey | undefined): {
  curveServerKey?: string;
  curvePublicKey?: string;
  curveSecretKey?: string;
} {
  if (key === undefined) return {};
  return { curveServerKey: key.publicKey, curvePublicKey: key.publicKey, curveSecretKey: key.secretKey };
}
