import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { ClusterClient } from '../../../core/cluster/cluster-client.js';
import { type ClusterKey, generateClusterKey } from '../../../core/cluster/cluster-key.js';
import { ClusterServer } from '../../../core/cluster/cluster-server.js';
import { DEFAULT_FRAME_LIMITS, type FromHead } from '../../../core/cluster/protocol.js';
import { type LogSink, setLogSink } from '../../../core/logger.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A server that answers `status` with `ok`. */
async function echoServer(
  key: ClusterKey | undefined,
  limits = DEFAULT_FRAME_LIMITS,
): Promise<ClusterServer> {
  const server: ClusterServer = await ClusterServer.listen({ port: 0, key, limits }, (peer, { message }) => {
    if (message.t === 'status') void server.send(peer, { t: 'ok', req: message.req });
  });
  closers.push(() => server.close());
  return server;
}

function client(server: ClusterServer, key: ClusterKey | undefined): { c: ClusterClient; got: FromHead[] } {
  const got: FromHead[] = [];
  const c = ClusterClient.connect(
    { head: server.address, key },
    { message: ({ message }) => got.push(message) },
  );
  closers.push(() => c.close());
  return { c, got };
}

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

function captureLog(): string[] {
  const lines: string[] = [];
  const sink: LogSink = (level, _scope, message) => lines.push(`${level} ${message}`);
  const previous = setLogSink(sink);
  closers.push(() => setLogSink(previous));
  return lines;
}

describe('cluster server and client (loopback)', () => {
  it('answers a client holding the cluster key over CURVE', async () => {
    const key = generateClusterKey();
    const server = await echoServer(key);
    expect(server.curve).toBe(true);
    const { c, got } = client(server, key);
    await c.send({ t: 'status', req: 7 });
    expect(await until(() => got.length > 0)).toBe(true);
    expect(got[0]).toEqual({ t: 'ok', req: 7 });
  });

  it('refuses peers without the key: another key pair, or plain ZeroMQ', async () => {
    const lines = captureLog();
    const key = generateClusterKey();
    const server = await echoServer(key);
    const stranger = client(server, generateClusterKey());
    // A client that knows the head's public key but presents its own key pair: refused by ZAP.
    const impostorKey = generateClusterKey();
    const impostor = new Dealer({
      linger: 0,
      curveServerKey: key.publicKey,
      curvePublicKey: impostorKey.publicKey,
      curveSecretKey: impostorKey.secretKey,
    });
    impostor.connect(`tcp://127.0.0.1:${server.address.port}`);
    closers.push(() => impostor.close());
    const plain = client(server, undefined);
    await stranger.c.send({ t: 'status', req: 1 });
    await plain.c.send({ t: 'status', req: 2 });
    void impostor.send([new Uint8Array(1)]);
    expect(await until(() => server.stats().refusedHandshakes >= 1)).toBe(true);
    const member = client(server, key);
    await member.c.send({ t: 'status', req: 3 });
    expect(await until(() => member.got.length > 0)).toBe(true);
    expect(stranger.got).toEqual([]);
    expect(plain.got).toEqual([]);
    // Logged once however many times the impostor retries.
    expect(lines.filter((l) => l.includes('does not hold the cluster key')).length).toBe(1);
  });

  it('drops a peer sending garbage, logs once, and keeps serving others', async () => {
    const lines = captureLog();
    const key = generateClusterKey();
    const server = await echoServer(key);
    const bad = new Dealer({
      linger: 0,
      curveServerKey: key.publicKey,
      curvePublicKey: key.publicKey,
      curveSecretKey: key.secretKey,
    });
    bad.connect(`tcp://127.0.0.1:${server.address.port}`);
    closers.push(() => bad.close());
    await bad.send([Buffer.from('garbage, not msgpack \xc1')]);
    const [reply] = await bad.receive();
    expect(String(reply)).toMatch(/dropped/);
    await bad.send([Buffer.from('more garbage')]);
    const good = client(server, key);
    await good.c.send({ t: 'status', req: 5 });
    expect(await until(() => good.got.length > 0)).toBe(true);
    expect(server.stats().droppedPeers).toBe(1);
    expect(lines.filter((l) => l.includes('dropped peer')).length).toBe(1);
  });

  it('disconnects a peer sending an oversized frame; the server keeps serving', async () => {
    captureLog();
    const limits = { ...DEFAULT_FRAME_LIMITS, maxMessageBytes: 64 * 1024 };
    const server = await echoServer(undefined, limits);
    const big = new Dealer({ linger: 0 });
    big.connect(`tcp://127.0.0.1:${server.address.port}`);
    closers.push(() => big.close());
    let disconnected = false;
    big.events.on('disconnect', () => {
      disconnected = true;
    });
    await big.send([new Uint8Array(1024 * 1024)]);
    expect(await until(() => disconnected)).toBe(true);
    const good = client(server, undefined);
    await good.c.send({ t: 'status', req: 9 });
    expect(await until(() => good.got.length > 0)).toBe(true);
  });

  it('a client closes on a malformed message from the head instead of acting on it', async () => {
    const { Router } = await import('zeromq');
    const fake = new Router({ linger: 0 });
    await fake.bind('tcp://127.0.0.1:0');
    closers.push(() => fake.close());
    const port = Number(/:(\d+)$/.exec(fake.lastEndpoint ?? '')?.[1]);
    let closedWith: Error | undefined;
    const got: FromHead[] = [];
    captureLog();
    const c = ClusterClient.connect(
      { head: { host: '127.0.0.1', port }, key: undefined },
      { message: ({ message }) => got.push(message), closed: (e) => (closedWith = e) },
    );
    closers.push(() => c.close());
    await c.send({ t: 'status', req: 1 });
    const [id] = await fake.receive();
    await fake.send([id as Buffer, Buffer.from([0x93, 0x01])]);
    expect(await until(() => closedWith !== undefined)).toBe(true);
    expect(closedWith?.message).toMatch(/malformed message from the head/);
    expect(got).toEqual([]);
  });
});
