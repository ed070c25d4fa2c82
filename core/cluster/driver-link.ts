/**
 * A driver's connection to the cluster head: says hello every {@link HELLO_MS} (the head's record that
 * the driver lives, and its answer carries the node table), relays job messages to nodes and back,
 * and gives up with a clear error when the head is silent for `headTimeoutMs` (nothing hangs).
 */
import { randomUUID } from 'node:crypto';
import type { HostPort } from './bind-policy.js';
import { ClusterClient } from './cluster-client.js';
import type { ClusterKey } from './cluster-key.js';
import type { FromHead } from './protocol.js';

/** How often a driver says hello (it doubles as the driver's heartbeat). */
export const HELLO_MS = 250;

/** What the link reports. */
export interface DriverLinkEvents {
  /** The node table (every hello answer and every head heartbeat). */
  nodes(message: Extract<FromHead, { t: 'nodes' }>): void;
  /** A job message from a node. */
  fromNode(nodeId: string, frame: Uint8Array | undefined): void;
  /** The head could not deliver to this node. */
  nodeGone(nodeId: string): void;
  /** The head ended this driver's job while it was silent: its work on the nodes is gone. */
  jobEnded(reason: string): void;
  /** The link is given up (head silent, or the head dropped us). */
  lost(error: Error): void;
}

function newDriverId(): string {
  return `driver-${randomUUID().slice(0, 12)}`;
}

/** See the module comment. */
export class DriverLink {
  /** This driver's id at the head; a new one after the head ended the job (the old one is refused). */
  private driverId = newDriverId();
  private readonly client: ClusterClient;
  private readonly timer: NodeJS.Timeout;
  private lastHeardMs = Date.now();
  private lastTickMs = Date.now();
  private heardOnce = false;
  private closed = false;

  constructor(
    private readonly head: HostPort,
    key: ClusterKey | undefined,
    private readonly headTimeoutMs: number,
    private readonly events: DriverLinkEvents,
  ) {
    this.client = ClusterClient.connect(
      { head, key },
      {
        message: ({ message, payload }) => this.handle(message, payload),
        closed: (error) => this.lose(error),
      },
    );
    this.hello();
    this.timer = setInterval(() => this.tick(), HELLO_MS);
  }

  private hello(): void {
    void this.client.send({ t: 'driver-hello', driverId: this.driverId });
  }

  private tick(): void {
    const now = Date.now();
    // A late tick means this process was busy (a long synchronous computation): the head's messages
    // waited unread in the socket, so the time lost is not the head's silence.
    const late = now - this.lastTickMs - HELLO_MS;
    if (late > HELLO_MS) this.lastHeardMs = Math.min(now, this.lastHeardMs + late);
    this.lastTickMs = now;
    const silentMs = now - this.lastHeardMs;
    if (silentMs > this.headTimeoutMs) {
      const where = `${this.head.host}:${this.head.port}`;
      this.lose(
        new Error(
          this.heardOnce
            ? `lost the cluster head at ${where}: no word for ${Math.round(silentMs / 1000)} s (it stopped, or the network is cut)`
            : `no answer from a cluster head at ${where} within ${Math.round(silentMs / 1000)} s: is it running, ` +
                "is the address right, and does the key file hold this cluster's key? (a peer without it gets no answer)",
        ),
      );
      return;
    }
    this.hello();
  }

  private handle(m: FromHead, payload: readonly Uint8Array[]): void {
    this.lastHeardMs = Date.now();
    this.heardOnce = true;
    switch (m.t) {
      case 'nodes':
        this.events.nodes(m);
        return;
      case 'from-node':
        this.events.fromNode(m.nodeId, payload[0]);
        return;
      case 'node-gone':
        this.events.nodeGone(m.nodeId);
        return;
      case 'job-ended':
        if (m.driverId !== this.driverId) return; // about messages sent before the last new id
        this.driverId = newDriverId();
        this.hello();
        this.events.jobEnded(m.reason);
        return;
      case 'dropped':
        this.lose(new Error(`the cluster head dropped this driver: ${m.reason}`));
        return;
      default:
        return;
    }
  }

  /** Whether the head has answered once. */
  get connected(): boolean {
    return this.heardOnce;
  }

  /** This driver's id at the head now. */
  get id(): string {
    return this.driverId;
  }

  /** Tells the head where a named actor of this driver runs (`nodeId`), or that it is gone. */
  announce(name: string, actorId: number, nodeId: string | undefined, exportName: string): void {
    if (this.closed) return;
    const driverId = this.driverId;
    void this.client.send(
      nodeId === undefined
        ? { t: 'unname-actor', driverId, name }
        : { t: 'name-actor', entry: { name, driverId, actorId, nodeId, exportName } },
    );
  }

  /** Sends a job message (one frame) to a node. */
  toNode(nodeId: string, frame: Uint8Array): void {
    if (this.closed) return;
    void this.client.send({ t: 'to-node', driverId: this.driverId, nodeId }, [frame]);
  }

  private lose(error: Error): void {
    if (this.closed) return;
    this.close();
    this.events.lost(error);
  }

  /** Tells the head this driver leaves (its actors stop), then closes. */
  async leave(): Promise<void> {
    if (this.closed) return;
    await this.client.send({ t: 'driver-bye', driverId: this.driverId });
    this.close();
  }

  private close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.client.close();
  }
}
