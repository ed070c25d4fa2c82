/**
 * A node's link to the head: registers the node, sends a heartbeat with its load every `heartbeatMs`
 * (the head's value, from its welcome), registers again when the head says it does not know the node
 * (the head restarted, or declared the node dead during a partition), and gives up with a clear error
 * when the head has been silent for `headTimeoutMs` (nothing hangs). ZeroMQ reconnects underneath.
 */
import { createLogger } from '../logger.js';
import type { HostPort } from './bind-policy.js';
import { ClusterClient } from './cluster-client.js';
import type { ClusterKey } from './cluster-key.js';
import type { FromHead, NodeInfo, NodeLoad } from './protocol.js';

const log = createLogger('cluster.node');

/** Options of {@link NodeAgent.start}. */
export interface NodeAgentOptions {
  readonly head: HostPort;
  readonly key: ClusterKey | undefined;
  readonly node: NodeInfo;
  /** The node's current load, read for every heartbeat. */
  readonly load: () => NodeLoad;
  /** Give up after the head is silent this long. @default 60000 */
  readonly headTimeoutMs?: number;
  /** Runs the work drivers send (job messages relayed by the head). */
  readonly jobs?: {
    handle(driverId: string, frame: Uint8Array | undefined): void;
    endJob(driverId: string): void;
  };
}

/** How a node agent ended. */
export type NodeAgentEnd =
  | { readonly reason: 'stopped' }
  | { readonly reason: 'head-lost'; readonly error: Error };

/** Before the welcome: a heartbeat interval to retry registering with. */
const REGISTER_RETRY_MS = 500;

/** See the module comment. */
export class NodeAgent {
  private readonly client: ClusterClient;
  private timer: NodeJS.Timeout | undefined;
  private heartbeatMs = REGISTER_RETRY_MS;
  private registered = false;
  private seq = 0;
  private lastHeardMs = Date.now();
  private everWelcomed = false;
  private resolveEnd!: (end: NodeAgentEnd) => void;
  /** Resolves when the head stops the node, or the head is lost. */
  readonly ended: Promise<NodeAgentEnd>;
  private readonly headTimeoutMs: number;

  private constructor(private readonly opts: NodeAgentOptions) {
    this.headTimeoutMs = opts.headTimeoutMs ?? 60_000;
    this.ended = new Promise((resolve) => {
      this.resolveEnd = resolve;
    });
    this.client = ClusterClient.connect(
      { head: opts.head, key: opts.key },
      {
        message: ({ message, payload }) => this.handle(message, payload),
        closed: (error) => this.finish({ reason: 'head-lost', error }),
      },
    );
  }

  /** Connects and registers (resolves at once; watch {@link ended} and the head's status). */
  static start(opts: NodeAgentOptions): NodeAgent {
    const agent = new NodeAgent(opts);
    agent.register();
    agent.schedule();
    return agent;
  }

  /** Whether the head has welcomed this node (and not since forgotten it). */
  get isRegistered(): boolean {
    return this.registered;
  }

  private register(): void {
    void this.client.send({ t: 'register', node: this.opts.node });
  }

  private schedule(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), this.heartbeatMs);
  }

  private tick(): void {
    const silentMs = Date.now() - this.lastHeardMs;
    if (silentMs > this.headTimeoutMs) {
      const where = `${this.opts.head.host}:${this.opts.head.port}`;
      const hint = this.everWelcomed
        ? 'the head stopped or the network is cut'
        : "is the head running there, and does the key file hold this cluster's key? (a peer without it gets no answer)";
      this.finish({
        reason: 'head-lost',
        error: new Error(
          `no word from the cluster head at ${where} for ${Math.round(silentMs / 1000)} s: ${hint}`,
        ),
      });
      return;
    }
    if (!this.registered) this.register();
    else
      void this.client.send({
        t: 'heartbeat',
        nodeId: this.opts.node.nodeId,
        seq: ++this.seq,
        load: this.opts.load(),
      });
  }

  /** Sends a job message (one frame) to a driver through the head. */
  sendToDriver(driverId: string, frame: Uint8Array): void {
    void this.client.send({ t: 'to-driver', driverId, nodeId: this.opts.node.nodeId }, [frame]);
  }

  private handle(m: FromHead, payload: readonly Uint8Array[]): void {
    this.lastHeardMs = Date.now();
    switch (m.t) {
      case 'from-driver':
        this.opts.jobs?.handle(m.driverId, payload[0]);
        return;
      case 'job-end':
        this.opts.jobs?.endJob(m.driverId);
        return;
      case 'welcome':
        if (!this.registered) log.info(`registered with head ${m.headId} as ${m.nodeId}`);
        this.registered = true;
        this.everWelcomed = true;
        if (m.heartbeatMs !== this.heartbeatMs && m.heartbeatMs > 0) {
          this.heartbeatMs = m.heartbeatMs;
          this.schedule();
        }
        return;
      case 'unknown-node':
        // Heartbeats queued during a partition come back as a burst of these: register once now,
        // and let the heartbeat timer retry until the welcome arrives.
        if (!this.registered) return;
        log.warn('the head does not know this node (restarted, or it declared us dead): registering again');
        this.registered = false;
        this.register();
        return;
      case 'stop':
        this.finish({ reason: 'stopped' });
        return;
      case 'dropped':
        this.finish({ reason: 'head-lost', error: new Error(`the head dropped this node: ${m.reason}`) });
        return;
      default:
        return;
    }
  }

  private finish(end: NodeAgentEnd): void {
    clearInterval(this.timer);
    this.client.close();
    this.resolveEnd(end);
  }

  /** Tells the head this node leaves, then closes. */
  async leave(): Promise<void> {
    if (this.registered) await this.client.send({ t: 'leave', nodeId: this.opts.node.nodeId });
    this.finish({ reason: 'stopped' });
  }
}
