/**
 * The head of a cluster: the membership table (nodes, their resources and last reported load) and the
 * failure detector. Heartbeats go both ways: the head sends one to every live node each
 * `heartbeatMs`, each node sends its own with its load; a node the head has not heard from for
 * `deadAfterMs` is declared dead (logged with the cause, reported by `status`, announced through
 * `onNodeDead`). A dead node that speaks again is told it is unknown and must register afresh, as
 * does every node after a head restart.
 *
 * Ordering: messages of one node are handled in arrival order; the failure check runs on the
 * heartbeat timer, so a node is declared dead between `deadAfterMs` and `deadAfterMs + heartbeatMs`
 * after its last message.
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '../logger.js';
import type { ClusterKey } from './cluster-key.js';
import { ClusterServer, type PeerId } from './cluster-server.js';
import { PackageStore } from './package-store.js';
import {
  type ClusterStatus,
  type FromHead,
  MAX_NAMED_ACTORS,
  type NamedActorEntry,
  type NodeInfo,
  type NodeLoad,
  type NodeStatus,
  type ToHead,
} from './protocol.js';

const log = createLogger('cluster.head');

/** Options of {@link Head.start}. */
export interface HeadOptions {
  /** Listen address; loopback when undefined. */
  readonly bind?: string | undefined;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** The cluster key; undefined runs plain (loopback only unless `allowPlain`). */
  readonly key: ClusterKey | undefined;
  readonly allowPlain?: boolean;
  /** @default 500 */
  readonly heartbeatMs?: number;
  /** @default 5000 */
  readonly deadAfterMs?: number;
  /**
   * A driver silent this long has its job ended (its actors stopped on every node). Longer than a
   * node's: a driver's event loop may be busy for seconds (a learner's update on the main thread).
   * @default 60000
   */
  readonly driverDeadAfterMs?: number;
  /** This machine's own node, registered in the table without a connection (the head's resources). */
  readonly localNode?: NodeInfo;
  /** Runs the work drivers send to the local node (job messages are handed over in-process). */
  readonly localJobs?: LocalJobs;
}

/** The head's own node's side of job messages. */
export interface LocalJobs {
  handle(driverId: string, frame: Uint8Array | undefined): void;
  endJob(driverId: string): void;
  /** The local node's load, for status. */
  load(): NodeLoad;
}

interface Driver {
  peer: PeerId;
  lastSeenMs: number;
}

/** Head defaults: a heartbeat every 500 ms, dead after 5 s of silence (10 missed heartbeats). */
export const DEFAULT_HEARTBEAT_MS = 500;
export const DEFAULT_DEAD_AFTER_MS = 5000;
export const DEFAULT_DRIVER_DEAD_AFTER_MS = 60_000;

/** Ended jobs remembered (to tell a driver that speaks again); older ones are forgotten. */
const MAX_ENDED_JOBS_KEPT = 10_000;

/** Dead nodes reported by status at most; older ones are forgotten. */
export const MAX_DEAD_NODES_KEPT = 1000;

const EMPTY_LOAD: NodeLoad = Object.freeze({
  resourcesUsed: {},
  numActors: 0,
  numQueuedTasks: 0,
  objectStoreBytes: 0,
});

interface Member {
  info: NodeInfo;
  /** Undefined for the head's own node. */
  peer: PeerId | undefined;
  state: 'alive' | 'dead';
  load: NodeLoad;
  lastSeenMs: number;
  deathCause?: string;
}

/** See the module comment. */
export class Head {
  readonly headId = `head-${randomUUID().slice(0, 8)}`;
  private readonly members = new Map<string, Member>();
  private readonly startedMs = Date.now();
  private server!: ClusterServer;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly packages = new PackageStore();
  private readonly deadListeners: ((node: NodeStatus) => void)[] = [];
  private stopRequested: (() => void) | undefined;
  private readonly heartbeatMs: number;
  private readonly deadAfterMs: number;
  private readonly driverDeadAfterMs: number;
  /** Named actors of every driver, by name. */
  private readonly names = new Map<string, NamedActorEntry>();
  /** Drivers whose job the head ended for silence, and why: told so when they speak again. */
  private readonly endedJobs = new Map<string, { readonly reason: string; told: boolean }>();
  private readonly drivers = new Map<string, Driver>();
  private readonly localJobs: LocalJobs | undefined;

  private constructor(opts: HeadOptions) {
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.deadAfterMs = opts.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS;
    this.driverDeadAfterMs =
      opts.driverDeadAfterMs ?? Math.max(DEFAULT_DRIVER_DEAD_AFTER_MS, this.deadAfterMs);
    if (!(this.driverDeadAfterMs > this.heartbeatMs)) {
      throw new Error(
        `driverDeadAfterMs (${this.driverDeadAfterMs}) must exceed heartbeatMs (${this.heartbeatMs})`,
      );
    }
    this.localJobs = opts.localJobs;
    if (!(this.heartbeatMs > 0 && this.deadAfterMs > this.heartbeatMs)) {
      throw new Error(
        `deadAfterMs (${this.deadAfterMs}) must exceed heartbeatMs (${this.heartbeatMs}), and both be > 0`,
      );
    }
    if (opts.localNode !== undefined) {
      this.members.set(opts.localNode.nodeId, {
        info: opts.localNode,
        peer: undefined,
        state: 'alive',
        load: EMPTY_LOAD,
        lastSeenMs: Date.now(),
      });
    }
  }

  /** Binds and starts the heartbeat timer. @throws Error from the bind policy or the bind */
  static async start(opts: HeadOptions): Promise<Head> {
    const head = new Head(opts);
    head.server = await ClusterServer.listen(
      { bind: opts.bind, port: opts.port, key: opts.key, allowPlain: opts.allowPlain ?? false },
      (peer, { message, payload }) => head.handle(peer, message, payload),
    );
    head.timer = setInterval(() => head.tick(), head.heartbeatMs);
    log.info(
      `listening on ${head.server.address.host}:${head.server.address.port} (${opts.key ? 'CURVE' : 'plain'})`,
    );
    return head;
  }

  /** The bytes of a code package the head holds. */
  packageBytes(hash: string): Uint8Array | undefined {
    return this.packages.get(hash);
  }

  /** Where the head listens. */
  get address(): { host: string; port: number } {
    return this.server.address;
  }

  /** Calls `listener` whenever a node is declared dead. */
  onNodeDead(listener: (node: NodeStatus) => void): void {
    this.deadListeners.push(listener);
  }

  /** Calls `listener` when a client asks the cluster to stop (`rl cluster stop`). */
  onStopRequested(listener: () => void): void {
    this.stopRequested = listener;
  }

  private handle(peer: PeerId, m: ToHead, payload: readonly Uint8Array[]): void {
    const now = Date.now();
    switch (m.t) {
      case 'driver-hello': {
        if (this.toldJobEnded(peer, m.driverId)) return;
        if (!this.drivers.has(m.driverId)) log.info(`driver ${m.driverId} joined`);
        this.drivers.set(m.driverId, { peer, lastSeenMs: now });
        void this.server.send(peer, this.nodeTable(now));
        return;
      }
      case 'driver-bye':
        if (this.drivers.get(m.driverId)?.peer === peer) this.endJob(m.driverId, 'left');
        return;
      case 'to-node': {
        if (this.toldJobEnded(peer, m.driverId)) return;
        const driver = this.drivers.get(m.driverId);
        if (driver === undefined || driver.peer !== peer) {
          this.drivers.set(m.driverId, { peer, lastSeenMs: now });
        } else driver.lastSeenMs = now;
        const member = this.members.get(m.nodeId);
        if (member === undefined || member.state !== 'alive') {
          void this.server.send(peer, { t: 'node-gone', nodeId: m.nodeId });
        } else if (member.peer === undefined) this.localJobs?.handle(m.driverId, payload[0]);
        else void this.server.send(member.peer, { t: 'from-driver', driverId: m.driverId }, payload);
        return;
      }
      case 'name-actor': {
        const { entry } = m;
        if (this.drivers.get(entry.driverId)?.peer !== peer) return; // a driver names only its own
        const holder = this.names.get(entry.name);
        if (holder !== undefined && holder.driverId !== entry.driverId) {
          log.warn(
            `driver ${entry.driverId} named an actor '${entry.name}', a name driver ${holder.driverId} holds: ignored`,
          );
          return;
        }
        if (holder === undefined && this.names.size >= MAX_NAMED_ACTORS) {
          log.warn(`named actor '${entry.name}' ignored: the head lists ${MAX_NAMED_ACTORS} already`);
          return;
        }
        this.names.set(entry.name, entry);
        return;
      }
      case 'unname-actor':
        if (this.drivers.get(m.driverId)?.peer !== peer) return;
        if (this.names.get(m.name)?.driverId === m.driverId) this.names.delete(m.name);
        return;
      case 'to-driver': {
        const member = this.members.get(m.nodeId);
        if (member?.peer !== peer) return; // only a node speaks for itself
        this.toDriver(m.driverId, m.nodeId, payload);
        return;
      }
      case 'register': {
        const previous = this.members.get(m.node.nodeId);
        if (previous?.peer === undefined && previous !== undefined) {
          throw new Error(`node id ${m.node.nodeId} is the head's own node`);
        }
        if (previous?.state === 'dead') log.info(`node ${m.node.nodeId} rejoined after being declared dead`);
        this.members.set(m.node.nodeId, {
          info: m.node,
          peer,
          state: 'alive',
          load: EMPTY_LOAD,
          lastSeenMs: now,
        });
        log.info(`node ${m.node.nodeId} joined from ${m.node.host} (${formatResources(m.node.resources)})`);
        void this.server.send(peer, {
          t: 'welcome',
          nodeId: m.node.nodeId,
          headId: this.headId,
          heartbeatMs: this.heartbeatMs,
          deadAfterMs: this.deadAfterMs,
        });
        return;
      }
      case 'heartbeat': {
        const member = this.members.get(m.nodeId);
        if (member === undefined || member.state === 'dead' || member.peer !== peer) {
          void this.server.send(peer, { t: 'unknown-node', nodeId: m.nodeId });
          return;
        }
        member.lastSeenMs = now;
        member.load = m.load;
        return;
      }
      case 'leave': {
        const member = this.members.get(m.nodeId);
        if (member !== undefined && member.peer === peer) {
          this.members.delete(m.nodeId);
          log.info(`node ${m.nodeId} left`);
        }
        return;
      }
      case 'status':
        void this.server.send(peer, { t: 'status-reply', req: m.req, status: this.status() });
        return;
      case 'put-package': {
        const data = payload[0];
        try {
          if (data === undefined || payload.length !== 1)
            throw new Error('put-package carries one payload frame');
          this.packages.put(m.hash, data);
          void this.server.send(peer, { t: 'ok', req: m.req });
        } catch (err) {
          void this.server.send(peer, { t: 'error', req: m.req, message: (err as Error).message });
        }
        return;
      }
      case 'get-package': {
        const data = this.packages.get(m.hash);
        if (data === undefined) {
          const message = `the head holds no package ${m.hash} (the job uploads it first)`;
          void this.server.send(peer, { t: 'error', req: m.req, message });
        } else void this.server.send(peer, { t: 'package', req: m.req, hash: m.hash }, [data]);
        return;
      }
      case 'stop': {
        log.info('stop requested: stopping every node, then the head');
        const sent: Promise<void>[] = [];
        for (const member of this.members.values()) {
          if (member.peer !== undefined && member.state === 'alive')
            sent.push(this.server.send(member.peer, { t: 'stop' }));
        }
        sent.push(this.server.send(peer, { t: 'ok', req: m.req }));
        // The listener closes the socket: only once every stop and the reply are handed to ZeroMQ.
        void Promise.all(sent).then(() => this.stopRequested?.());
        return;
      }
    }
  }

  /** Relays a job message from a node (or the head's own node) to its driver. */
  toDriver(driverId: string, nodeId: string, payload: readonly Uint8Array[]): void {
    const driver = this.drivers.get(driverId);
    if (driver === undefined) {
      log.debug(`dropped a result for unknown driver ${driverId} from ${nodeId}`);
      return;
    }
    void this.server.send(driver.peer, { t: 'from-node', nodeId }, payload);
  }

  /**
   * A message under the id of a driver whose job was ended for silence: not relayed (the nodes hold
   * none of its work any more); the driver is told, takes a new id and places its work again. True
   * when the message was such.
   */
  private toldJobEnded(peer: PeerId, driverId: string): boolean {
    const ended = this.endedJobs.get(driverId);
    if (ended === undefined) return false;
    if (!ended.told) log.warn(`driver ${driverId} spoke after its job was ended: told to run its work again`);
    ended.told = true;
    void this.server.send(peer, { t: 'job-ended', driverId, reason: ended.reason });
    return true;
  }

  private endJob(driverId: string, why: string): void {
    this.drivers.delete(driverId);
    log.info(`driver ${driverId} ${why}: its work on every node stops`);
    for (const [name, entry] of this.names) if (entry.driverId === driverId) this.names.delete(name);
    this.localJobs?.endJob(driverId);
    for (const member of this.members.values()) {
      if (member.peer !== undefined && member.state === 'alive')
        void this.server.send(member.peer, { t: 'job-end', driverId });
    }
  }

  private nodeTable(now: number): FromHead {
    return {
      t: 'nodes',
      headId: this.headId,
      uptimeMs: now - this.startedMs,
      deadAfterMs: this.deadAfterMs,
      nodes: [...this.members.values()].map((m) => ({
        nodeId: m.info.nodeId,
        host: m.info.host,
        resources: m.info.resources,
        state: m.state,
        ...(m.deathCause === undefined ? {} : { deathCause: m.deathCause }),
      })),
      names: [...this.names.values()],
    };
  }

  private tickDrivers(now: number): void {
    if (this.drivers.size === 0) return;
    const table = this.nodeTable(now);
    for (const [driverId, driver] of this.drivers) {
      const silentMs = now - driver.lastSeenMs;
      if (silentMs > this.driverDeadAfterMs) {
        const why = `went silent for ${silentMs} ms (limit ${this.driverDeadAfterMs} ms)`;
        this.endJob(driverId, why);
        this.endedJobs.set(driverId, { reason: `the head ended this driver's job: it ${why}`, told: false });
        if (this.endedJobs.size > MAX_ENDED_JOBS_KEPT) {
          const oldest = this.endedJobs.keys().next().value;
          if (oldest !== undefined) this.endedJobs.delete(oldest);
        }
      } else void this.server.send(driver.peer, table);
    }
  }

  private tick(): void {
    const now = Date.now();
    this.seq++;
    this.tickDrivers(now);
    for (const [nodeId, member] of this.members) {
      if (member.peer === undefined) {
        member.lastSeenMs = now;
        if (this.localJobs !== undefined) member.load = this.localJobs.load();
        continue;
      }
      if (member.state !== 'alive') continue;
      const silentMs = now - member.lastSeenMs;
      if (silentMs > this.deadAfterMs) {
        member.state = 'dead';
        member.deathCause = `no heartbeat for ${silentMs} ms (limit ${this.deadAfterMs} ms)`;
        log.warn(`node ${nodeId} (${member.info.host}) declared dead: ${member.deathCause}`);
        const status = this.nodeStatus(member, now);
        for (const listener of this.deadListeners) listener(status);
        this.forgetOldDead();
        continue;
      }
      void this.server.send(member.peer, { t: 'heartbeat', seq: this.seq });
    }
  }

  /** Keeps the newest {@link MAX_DEAD_NODES_KEPT} dead nodes (pods come and go for months). */
  private forgetOldDead(): void {
    const dead = [...this.members].filter(([, m]) => m.state === 'dead');
    for (const [nodeId] of dead.slice(0, Math.max(0, dead.length - MAX_DEAD_NODES_KEPT)))
      this.members.delete(nodeId);
  }

  private nodeStatus(member: Member, now: number): NodeStatus {
    return {
      ...member.info,
      state: member.state,
      load: member.load,
      lastSeenMsAgo: now - member.lastSeenMs,
      ...(member.deathCause === undefined ? {} : { deathCause: member.deathCause }),
    };
  }

  /** The membership table and counters, as `rl cluster status` shows them. */
  status(): ClusterStatus {
    const now = Date.now();
    return {
      headId: this.headId,
      address: `${this.server.address.host}:${this.server.address.port}`,
      curve: this.server.curve,
      uptimeMs: now - this.startedMs,
      nodes: [...this.members.values()].map((m) => this.nodeStatus(m, now)),
      drivers: [...this.drivers].map(([driverId, d]) => ({ driverId, lastSeenMsAgo: now - d.lastSeenMs })),
      ...this.packages.stats(),
      ...this.server.stats(),
    };
  }

  /** Stops the timer and closes the socket (nodes notice the silence). */
  close(): void {
    clearInterval(this.timer);
    this.server.close();
  }
}

/** `CPU 4, GPU 1` */
export function formatResources(r: Readonly<Record<string, number>>): string {
  const parts = Object.entries(r).map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? 'no resources' : parts.join(', ');
}
