/**
 * The ZAP handler (ZeroMQ authentication protocol, https://rfc.zeromq.org/spec/27/) that admits a CURVE
 * client only when its long-term public key is the cluster key of the socket's ZAP domain. libzmq asks
 * the REP socket bound at `inproc://zeromq.zap.01` of the socket's context; one gate serves every
 * cluster socket of the process (each with its own domain).
 */
import { Reply } from 'zeromq';
import { createLogger } from '../logger.js';
import { z85Decode } from './z85.js';

const log = createLogger('cluster');
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/** Counts of refused handshakes, by ZAP domain. */
const refusedByDomain = new Map<string, number>();
const allowedByDomain = new Map<string, Uint8Array>();
let opening: Promise<Reply> | undefined;

async function serve(rep: Reply): Promise<void> {
  try {
    for await (const frames of rep) {
      // Request: version, request id, domain, address, identity, mechanism, credentials...
      const [version, requestId, domain, address, , mechanism, clientKey] = frames;
      const name = domain?.toString() ?? '';
      const allowed = allowedByDomain.get(name);
      const ok =
        mechanism?.toString() === 'CURVE' &&
        allowed !== undefined &&
        clientKey !== undefined &&
        Buffer.from(clientKey).equals(allowed);
      if (!ok) {
        const n = (refusedByDomain.get(name) ?? 0) + 1;
        refusedByDomain.set(name, n);
        if (n === 1)
          log.warn(`refused a peer from ${address?.toString() ?? '?'}: it does not hold the cluster key`);
      }
      await rep.send([
        version ?? '1.0',
        requestId ?? '',
        ok ? '200' : '400',
        ok ? 'OK' : 'not the cluster key',
        '',
        '',
      ]);
    }
  } catch (err) {
    if (!rep.closed) log.error(`ZAP handler stopped: ${(err as Error).message}`);
  }
}

async function bindGate(): Promise<Reply> {
  const rep = new Reply();
  // A gate closed just before releases the inproc endpoint asynchronously: retry for up to ~2 s.
  for (let attempt = 0; ; attempt++) {
    try {
      await rep.bind(ZAP_ENDPOINT);
      break;
    } catch (err) {
      if (attempt >= 40 || (err as { code?: string }).code !== 'EADDRINUSE') {
        rep.close();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  void serve(rep);
  return rep;
}

/** Admits clients holding `publicKeyZ85` on sockets with ZAP domain `domain`; returns the release. */
export async function openZapGate(domain: string, publicKeyZ85: string): Promise<() => void> {
  const key = z85Decode(publicKeyZ85);
  if (key === undefined) throw new Error('ZAP gate: the cluster public key is not Z85');
  allowedByDomain.set(domain, key);
  opening ??= bindGate();
  const rep = await opening;
  return () => {
    allowedByDomain.delete(domain);
    if (allowedByDomain.size === 0 && opening !== undefined) {
      // Closed when unused, so it does not keep the process alive.
      opening = undefined;
      rep.close();
    }
  };
}

/** How many handshakes the gate refused for a domain. */
export function refusedHandshakes(domain: string): number {
  return refusedByDomain.get(domain) ?? 0;
}
