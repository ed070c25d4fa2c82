/**
 * One side of `rl bench cluster`, run inside a namespaced host with the cluster's own socket setup
 * (CURVE through curve-options.ts and the ZAP gate, or plain):
 *   sink BIND KEY_FILE|plain          prints `listening PORT`; answers every message with its size
 *   source HOST:PORT KEY_FILE|plain   prints one JSON line: small-message round trips/s and 100 MB GB/s
 */
import { randomUUID } from 'node:crypto';
import { Dealer, Router } from 'zeromq';
import { parseHostPort, resolveBindHost, tcpEndpoint } from '../core/cluster/bind-policy.js';
import { type ClusterKey, readClusterKeyFile } from '../core/cluster/cluster-key.js';
import { curveClientOptions, curveServerOptions } from '../core/cluster/curve-options.js';
import { openZapGate } from '../core/cluster/zap-gate.js';

const MAX_BYTES = 256 * 1024 * 1024;
const BULK_BYTES = 100 * 1024 * 1024;

async function sink(bind: string, key: ClusterKey | undefined): Promise<void> {
  const zapDomain = `bench-${randomUUID()}`;
  if (key !== undefined) await openZapGate(zapDomain, key.publicKey);
  const router = new Router({ linger: 0, maxMessageSize: MAX_BYTES, ...curveServerOptions(key, zapDomain) });
  const host = resolveBindHost({ bind, curve: key !== undefined, allowPlain: true });
  await router.bind(tcpEndpoint({ host, port: 0 }));
  process.stdout.write(`listening ${/:(\d+)$/.exec(router.lastEndpoint ?? '')?.[1]}\n`);
  process.on('SIGTERM', () => process.exit(0));
  for await (const [id, ...frames] of router) {
    let size = 0;
    for (const f of frames) size += f.byteLength;
    await router.send([id as Buffer, String(size)]);
  }
}

async function source(address: string, key: ClusterKey | undefined): Promise<void> {
  const dealer = new Dealer({ linger: 0, maxMessageSize: MAX_BYTES, ...curveClientOptions(key) });
  dealer.connect(tcpEndpoint(parseHostPort(address, 'address')));
  const small = new Uint8Array(100);
  await dealer.send(small); // connect and handshake
  await dealer.receive();
  // Small messages, 64 in flight: round trips per second over ~2 s.
  const window = 64;
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < 2000) {
    for (let i = 0; i < window; i++) await dealer.send(small);
    for (let i = 0; i < window; i++) await dealer.receive();
    done += window;
  }
  const smallPerSec = done / ((performance.now() - start) / 1000);
  // 100 MB, one at a time, acknowledged: best and median of 3.
  const bulk = new Uint8Array(BULK_BYTES).fill(7);
  const gbps: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await dealer.send(bulk);
    const [ack] = await dealer.receive();
    if (Number(String(ack)) !== BULK_BYTES) throw new Error(`sink received ${String(ack)} bytes`);
    gbps.push(BULK_BYTES / 1e9 / ((performance.now() - t0) / 1000));
  }
  gbps.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({ smallRoundTripsPerSec: smallPerSec, bulk100MbGBps: { median: gbps[1], best: gbps[2] } })}\n`,
  );
  dealer.close();
}

const [mode, where, keyArg] = process.argv.slice(2);
const key = keyArg === 'plain' || keyArg === undefined ? undefined : readClusterKeyFile(keyArg);
if (mode === 'sink') await sink(where ?? '', key);
else if (mode === 'source') await source(where ?? '', key);
else
  throw new Error(
    `usage: cluster-peer sink BIND KEY_FILE|plain | source HOST:PORT KEY_FILE|plain (got ${mode})`,
  );
