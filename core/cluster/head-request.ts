/**
 * One request to the head and its reply, for the CLI, drivers and nodes: status, stop, and code
 * packages (upload once per job, fetch by hash into a node's cache).
 */
import type { HostPort } from './bind-policy.js';
import { ClusterClient } from './cluster-client.js';
import type { ClusterKey } from './cluster-key.js';
import type { CodePackage, PackageCache } from './code-package.js';
import type { ClusterStatus, FromHead, Parsed, ToHead } from './protocol.js';

let nextReq = 1;

type Request =
  | { readonly t: 'status' | 'stop' }
  | { readonly t: 'put-package' | 'get-package'; readonly hash: string };

async function request(
  head: HostPort,
  key: ClusterKey | undefined,
  body: Request,
  timeoutMs: number,
  payload: readonly Uint8Array[] = [],
): Promise<Parsed<FromHead>> {
  const req = nextReq++;
  let timer: NodeJS.Timeout | undefined;
  let client: ClusterClient | undefined;
  try {
    const reply = await new Promise<Parsed<FromHead>>((resolve, reject) => {
      client = ClusterClient.connect(
        { head, key },
        {
          message: (parsed) => {
            const m = parsed.message;
            if ('req' in m && m.req === req) resolve(parsed);
            else if (m.t === 'dropped') reject(new Error(`the head refused the request: ${m.reason}`));
          },
          closed: reject,
        },
      );
      void client.send({ ...body, req } as ToHead, payload);
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `no reply from a cluster head at ${head.host}:${head.port} within ${timeoutMs} ms: is it running, ` +
                "is the address right, and does the key file hold this cluster's key? (a peer without it gets no answer)",
            ),
          ),
        timeoutMs,
      );
    });
    if (reply.message.t === 'error') throw new Error(reply.message.message);
    return reply;
  } finally {
    clearTimeout(timer);
    client?.close();
  }
}

/** The cluster's status. @throws Error when the head does not answer within `timeoutMs` */
export async function fetchClusterStatus(
  head: HostPort,
  key: ClusterKey | undefined,
  timeoutMs = 5000,
): Promise<ClusterStatus> {
  const { message } = await request(head, key, { t: 'status' }, timeoutMs);
  if (message.t !== 'status-reply') throw new Error(`unexpected reply ${message.t} to status`);
  return message.status;
}

/** Asks the head to stop every node and itself. @throws Error when it does not answer */
export async function requestClusterStop(
  head: HostPort,
  key: ClusterKey | undefined,
  timeoutMs = 5000,
): Promise<void> {
  await request(head, key, { t: 'stop' }, timeoutMs);
}

/** Uploads a code package to the head. @throws Error when the head refuses it or does not answer */
export async function uploadPackage(
  head: HostPort,
  key: ClusterKey | undefined,
  pkg: CodePackage,
  timeoutMs = 60_000,
): Promise<void> {
  await request(head, key, { t: 'put-package', hash: pkg.hash }, timeoutMs, [pkg.bytes]);
}

/**
 * The directory of package `hash` on this machine: from the cache, or fetched from the head, checked
 * and unpacked into the cache.
 * @throws Error when the head lacks it, the bytes do not match the hash, or the package is malformed
 */
export async function ensurePackage(
  head: HostPort,
  key: ClusterKey | undefined,
  hash: string,
  cache: PackageCache,
  timeoutMs = 60_000,
): Promise<string> {
  const cached = cache.lookup(hash);
  if (cached !== undefined) return cached;
  const { message, payload } = await request(head, key, { t: 'get-package', hash }, timeoutMs);
  const bytes = payload[0];
  if (message.t !== 'package' || message.hash !== hash || bytes === undefined) {
    throw new Error(`unexpected reply ${message.t} to get-package ${hash}`);
  }
  return cache.store(hash, bytes);
}
