/**
 * The connecting side (a node, the CLI, a driver): a DEALER socket to the head, with CURVE when a
 * cluster key is given (the client presents the cluster key pair; the head's ZAP gate admits only it).
 * Messages from the head are validated like everything from the network; a malformed one closes the
 * connection with an error rather than being acted on.
 */
import { Dealer } from 'zeromq';
import { createLogger } from '../logger.js';
import { type HostPort, tcpEndpoint } from './bind-policy.js';
import type { ClusterKey } from './cluster-key.js';
import { curveClientOptions } from './curve-options.js';
import {
  checkFromHead,
  DEFAULT_FRAME_LIMITS,
  type FrameLimits,
  type FromHead,
  type Parsed,
  packClusterMessage,
  parseClusterMessage,
  type ToHead,
} from './protocol.js';
import { SendQueue } from './send-queue.js';

const log = createLogger('cluster');

/** Options of {@link ClusterClient.connect}. */
export interface ClusterClientOptions {
  readonly head: HostPort;
  /** The cluster key; undefined connects plain. */
  readonly key: ClusterKey | undefined;
  readonly limits?: FrameLimits;
}

/** Called for every valid message from the head; `error` once if the connection is given up. */
export interface ClientHandlers {
  message(parsed: Parsed<FromHead>): void;
  closed?(error: Error): void;
}

/** See the module comment. */
export class ClusterClient {
  private readonly queue: SendQueue;

  private constructor(private readonly dealer: Dealer) {
    this.queue = new SendQueue((frames) => this.dealer.send(frames));
  }

  /** Connects (ZeroMQ reconnects on its own when the head goes and comes back). */
  static connect(opts: ClusterClientOptions, handlers: ClientHandlers): ClusterClient {
    const limits = opts.limits ?? DEFAULT_FRAME_LIMITS;
    const dealer = new Dealer({
      linger: 0,
      maxMessageSize: limits.maxMessageBytes,
      reconnectInterval: 100,
      reconnectMaxInterval: 2000,
      ...curveClientOptions(opts.key),
    });
    dealer.connect(tcpEndpoint(opts.head));
    const client = new ClusterClient(dealer);
    void client.receive(limits, handlers);
    return client;
  }

  private async receive(limits: FrameLimits, handlers: ClientHandlers): Promise<void> {
    try {
      for await (const frames of this.dealer) {
        let parsed: Parsed<FromHead>;
        try {
          parsed = parseClusterMessage(frames, checkFromHead, limits);
        } catch (err) {
          const error = new Error(`malformed message from the head: ${(err as Error).message}`);
          log.error(error.message);
          this.close();
          handlers.closed?.(error);
          return;
        }
        handlers.message(parsed);
      }
    } catch (err) {
      if (!this.dealer.closed) handlers.closed?.(err as Error);
    }
  }

  /** Queues a message to the head. */
  send(message: ToHead, payload: readonly Uint8Array[] = []): Promise<void> {
    if (this.dealer.closed) return Promise.resolve();
    return this.queue.push(packClusterMessage(message, payload));
  }

  /** Closes the connection. */
  close(): void {
    if (!this.dealer.closed) this.dealer.close();
  }
}
