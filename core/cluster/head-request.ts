/**
 * One request to the head and its reply, for the CLI and drivers (`status`, `stop`).
 */
import type { HostPort } from './bind-policy.js';
import { ClusterClient } from './cluster-client.js';
import type { ClusterKey } from './cluster-key.js';
import type { ClusterStatus, FromHead } from './protocol.js';

let nextReq = 1;

async function request(
  head: HostPort,
  key: ClusterKey | undefined,
  t: 'status' | 'stop',
  timeoutMs: number,
): Promise<FromHead> {
  const req = nextReq++;
  let timer: NodeJS.Timeout | undefined;
  let client: ClusterClient | undefined;
  try {
    return await new Promise<FromHead>((resolve, reject) => {
      client = ClusterClient.connect(
        { head, key },
        {
          message: ({ message }) => {
            if ('req' in message && message.req === req) resolve(message);
            else if (message.t === 'dropped')
              reject(new Error(`the head refused the request: ${message.reason}`));
          },
          closed: reject,
        },
      );
      void client.send({ t, req });
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
  const reply = await request(head, key, 'status', timeoutMs);
  if (reply.t !== 'status-reply') throw new Error(`unexpected reply ${reply.t} to status`);
  return reply.status;
}

/** Asks the head to stop every node and itself. @throws Error when it does not answer */
export async function requestClusterStop(
  head: HostPort,
  key: ClusterKey | undefined,
  timeoutMs = 5000,
): Promise<void> {
  await request(head, key, 'stop', timeoutMs);
}
