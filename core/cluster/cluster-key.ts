/**
 * The cluster key: one CURVE key pair (Curve25519, Z85 text) created by the head. The head serves
 * with it, and a joining node or driver connects with the same pair as its own client key; the head
 * admits only clients whose long-term public key is the cluster's (checked through ZAP, see
 * zap-gate.ts), which CURVE's handshake proves the client holds the secret for. Holding the key file
 * is therefore what admits a machine; whoever reads it can join, so it is written owner-only (0600)
 * and refused when group or others can read it.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { curveKeyPair } from 'zeromq';
import { z85Decode, z85Encode } from './z85.js';

/** A CURVE key pair, both halves as 40-character Z85 text. */
export interface ClusterKey {
  readonly publicKey: string;
  readonly secretKey: string;
}

/** The version of the key file layout (field `tsrlClusterKey`). */
export const KEY_FILE_VERSION = 1;

/** Creates a fresh cluster key pair (libsodium inside the zeromq binary). */
export function generateClusterKey(): ClusterKey {
  const pair = curveKeyPair();
  return { publicKey: pair.publicKey, secretKey: pair.secretKey };
}

// PKCS#8 DER prefix of an X25519 private key (RFC 8410, section 7): the 32 key bytes follow it.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The public key that belongs to a Z85 secret key; undefined when the text is not a CURVE key. */
export function publicKeyOf(secretKeyZ85: string): string | undefined {
  const secret = z85Decode(secretKeyZ85);
  if (secret === undefined || secret.length !== 32) return undefined;
  const key = createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_PREFIX, secret]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') return undefined;
  return z85Encode(Buffer.from(jwk.x, 'base64url'));
}

/** Writes the key file owner-only (0600). */
export function writeClusterKeyFile(path: string, key: ClusterKey): void {
  const text = `${JSON.stringify({ tsrlClusterKey: KEY_FILE_VERSION, ...key }, null, 2)}\n`;
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600); // the mode option does not change a file that already existed
}

/**
 * Reads and checks a key file: the layout version, two 40-character Z85 keys, the public key derived
 * from the secret, and owner-only permissions.
 * @throws Error naming the file, the field and what was expected
 */
export function readClusterKeyFile(path: string): ClusterKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cluster key file ${path}: cannot read it (${(err as Error).message})`);
  }
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) {
    throw new Error(
      `cluster key file ${path}: readable by group or others (mode ${(statSync(path).mode & 0o777).toString(8)}); ` +
        `whoever reads it can join the cluster: run chmod 600 ${path}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      `cluster key file ${path}: not JSON; expected the file written by rl cluster start --head`,
    );
  }
  return checkClusterKey(parsed, `cluster key file ${path}`);
}

/** Validates a key object (as read from a file or an environment variable). @throws Error */
export function checkClusterKey(value: unknown, where: string): ClusterKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected an object { tsrlClusterKey, publicKey, secretKey }`);
  }
  const rec = value as Record<string, unknown>;
  if (rec['tsrlClusterKey'] !== KEY_FILE_VERSION) {
    throw new Error(
      `${where}: tsrlClusterKey must be ${KEY_FILE_VERSION} (got ${JSON.stringify(rec['tsrlClusterKey'])})`,
    );
  }
  for (const field of ['publicKey', 'secretKey'] as const) {
    const v = rec[field];
    if (typeof v !== 'string' || v.length !== 40 || z85Decode(v) === undefined) {
      throw new Error(`${where}: ${field} must be a 40-character Z85 CURVE key`);
    }
  }
  const publicKey = rec['publicKey'] as string;
  const secretKey = rec['secretKey'] as string;
  if (publicKeyOf(secretKey) !== publicKey) {
    throw new Error(`${where}: publicKey does not belong to secretKey (the file was edited or mixed up)`);
  }
  return { publicKey, secretKey };
}
