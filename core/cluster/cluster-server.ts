/**
 * The listening side of the cluster (the head): a ROUTER socket with CURVE and the ZAP gate when a
 * cluster key is given, bound under the bind policy. Every received message is size-checked and
 * validated; a peer that sends a malformed one is dropped: told why once, logged once, and its later
 * messages are ignored. A peer sending a frame over the size cap is disconnected by libzmq
 * (`maxMessageSize`). Nothing a peer sends can throw out of the receive loop.
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'zeromq';
import { createLogger } from '../logger.js';
import { type HostPort, resolveBindHost, tcpEndpoint } from './bind-policy.js';
import type { ClusterKey } from './cluster-key.js';
import { curveServerOptions } from './curve-options.js';
import {
  checkToHead,
  DEFAULT_FRAME_LIMITS,
  type FrameLimits,
  type FromHead,
  type Parsed,
  packClusterMessage,
  parseClusterMessage,
  type ToHead,
} from './protocol.js';
import { SendQueue } from './send-queue.js';
import { openZapGate, refusedHandshakes } from './zap-gate.js';

const log = createLogger('cluster');

/** A connected peer: its ROUTER routing id, as hex. */
export type PeerId = string;

/** Options of {@link ClusterServer.listen}. */
export interface ClusterServerOptions {
  /** Listen address; loopback when undefined (see bind-policy.ts). */
  readonly bind?: string | undefined;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** The cluster key; undefined runs plain ZeroMQ (loopback, or `allowPlain`). */
  readonly key: ClusterKey | undefined;
  /** Allow plain ZeroMQ on a non-loopback address (private test networks). @default false */
  readonly allowPlain?: boolean;
  readonly limits?: FrameLimits;
}

/** Receives every valid message. Exceptions it throws drop the peer like a malformed message. */
export type ServerHandler = (peer: PeerId, parsed: Parsed<ToHead>) => void;

// Dropped peers remembered at most (a reconnect gets a new routing id anyway).
const MAX_DROPPED_REMEMBERED = 10_000;

/** See the module comment. */
export class ClusterServer {
  private readonly dropped = new Set<PeerId>();
  private droppedCount = 0;
  private readonly queue: SendQueue;

  private constructor(
    private readonly router: Router,
    readonly address: HostPort,
    readonly curve: boolean,
    private readonly zapDomain: string,
    private readonly releaseGate: () => void,
    private readonly limits: FrameLimits,
  ) {
    this.queue = new SendQueue((frames) => this.router.send(frames));
  }

  /**
   * Binds and starts receiving.
   * @throws Error from the bind policy, or when the address is in use
   */
  static async listen(opts: ClusterServerOptions, handler: ServerHandler): Promise<ClusterServer> {
    const host = resolveBindHost({
      bind: opts.bind,
      curve: opts.key !== undefined,
      allowPlain: opts.allowPlain ?? false,
    });
    const limits = opts.limits ?? DEFAULT_FRAME_LIMITS;
    const zapDomain = `tsrl-${randomUUID()}`;
    let releaseGate = (): void => {};
    const router = new Router({
      linger: 0,
      maxMessageSize: limits.maxMessageBytes,
      ...curveServerOptions(opts.key, zapDomain),
    });
    try {
      if (opts.key !== undefined) releaseGate = await openZapGate(zapDomain, opts.key.publicKey);
      await router.bind(tcpEndpoint({ host, port: opts.port }));
    } catch (err) {
      router.close();
      releaseGate();
      throw new Error(`cannot listen on ${host}:${opts.port}: ${(err as Error).message}`);
    }
    const port = Number(/:(\d+)$/.exec(router.lastEndpoint ?? '')?.[1] ?? opts.port);
    const server = new ClusterServer(
      router,
      { host, port },
      opts.key !== undefined,
      zapDomain,
      releaseGate,
      limits,
    );
    void server.receive(handler);
    return server;
  }

  private async receive(handler: ServerHandler): Promise<void> {
    try {
      for await (const [routingId, ...frames] of this.router) {
        if (routingId === undefined) continue;
        const peer = Buffer.from(routingId).toString('hex');
        if (this.dropped.has(peer)) continue;
        try {
          const parsed = parseClusterMessage(frames, checkToHead, this.limits);
          handler(peer, parsed);
        } catch (err) {
          this.drop(peer, (err as Error).message);
        }
      }
    } catch (err) {
      if (!this.router.closed) log.error(`cluster server stopped receiving: ${(err as Error).message}`);
    }
  }

  /** Sends to a peer (dropped silently by ZeroMQ if it is gone). */
  send(peer: PeerId, message: FromHead, payload: readonly Uint8Array[] = []): Promise<void> {
    if (this.router.closed) return Promise.resolve();
    // The peer id is the routing id in hex: nothing to remember per peer (CLI clients come and go).
    return this.queue.push([Buffer.from(peer, 'hex'), ...packClusterMessage(message, payload)]);
  }

  /** Drops a peer: tells it why, logs once, ignores it from now on. */
  drop(peer: PeerId, reason: string): void {
    if (this.dropped.has(peer)) return;
    void this.send(peer, { t: 'dropped', reason });
    this.dropped.add(peer);
    this.droppedCount++;
    if (this.dropped.size > MAX_DROPPED_REMEMBERED) {
      const oldest = this.dropped.values().next().value;
      if (oldest !== undefined) this.dropped.delete(oldest);
    }
    log.warn(`dropped peer ${peer}: ${reason}`);
  }

  /** Peers dropped for malformed messages, and handshakes refused for lacking the cluster key. */
  stats(): { droppedPeers: number; refusedHandshakes: number } {
    return { droppedPeers: this.droppedCount, refusedHandshakes: refusedHandshakes(this.zapDomain) };
  }

  /** Closes the socket (pending sends are discarded). */
  close(): void {
    if (this.router.closed) return;
    this.router.close();
    this.releaseGate();
  }
}
