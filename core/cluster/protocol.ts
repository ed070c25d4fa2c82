/**
 * Wire messages between the head, the nodes and clients (CLI, drivers) of a cluster, protocol version
 * {@link CLUSTER_PROTOCOL_VERSION}. Every message is one ZeroMQ multipart message: frame 0 is msgpack of
 * the message object (with `v`, the version), any frames after it are raw payload (a code package).
 *
 * Everything that arrives from the network goes through {@link parseClusterMessage}: sizes are capped
 * ({@link FrameLimits}), every field is type- and range-checked, and a bad message raises a
 * {@link ProtocolViolation} that names the field; the receiver then drops that peer (see peer-guard.ts).
 */
import { packr } from '../codec.js';
import { isPackageHash } from './code-package.js';

/** Bumped on any incompatible change of the messages below. */
export const CLUSTER_PROTOCOL_VERSION = 1;

/** Size caps on one received multipart message. */
export interface FrameLimits {
  /** Largest header (frame 0) in bytes. */
  readonly maxHeaderBytes: number;
  /** Largest whole message (all frames) in bytes; libzmq also drops a peer sending a bigger frame. */
  readonly maxMessageBytes: number;
  /** Most frames in one message (header included). */
  readonly maxFrames: number;
}

/** Defaults: 64 KiB headers, 256 MiB messages (a code package), 4 frames. */
export const DEFAULT_FRAME_LIMITS: FrameLimits = Object.freeze({
  maxHeaderBytes: 64 * 1024,
  maxMessageBytes: 256 * 1024 * 1024,
  maxFrames: 4,
});

/** Resources by name (`CPU`, `GPU`, custom), as counts. */
export type Resources = Readonly<Record<string, number>>;

/** What a node reports about its load with every heartbeat. */
export interface NodeLoad {
  readonly resourcesUsed: Resources;
  readonly numActors: number;
  readonly numQueuedTasks: number;
  readonly objectStoreBytes: number;
}

/** A node as it introduces itself. */
export interface NodeInfo {
  readonly nodeId: string;
  /** The address other machines reach it at (its address on the head's network). */
  readonly host: string;
  readonly pid: number;
  readonly resources: Resources;
}

/** A node as the head reports it. */
export interface NodeStatus extends NodeInfo {
  readonly state: 'alive' | 'dead';
  readonly load: NodeLoad;
  /** Milliseconds since the head last heard from the node. */
  readonly lastSeenMsAgo: number;
  /** Why it was declared dead, when it is. */
  readonly deathCause?: string;
}

/** The cluster as `rl cluster status` shows it. */
export interface ClusterStatus {
  readonly headId: string;
  readonly address: string;
  readonly curve: boolean;
  readonly uptimeMs: number;
  readonly nodes: readonly NodeStatus[];
  /** The drivers (jobs) connected, and how long ago each was last heard. */
  readonly drivers: readonly { readonly driverId: string; readonly lastSeenMsAgo: number }[];
  /** Code packages the head holds, and their bytes. */
  readonly numPackages: number;
  readonly packageBytes: number;
  /** Peers dropped for malformed messages, and handshakes refused for lacking the key. */
  readonly droppedPeers: number;
  readonly refusedHandshakes: number;
}

/** Node or client -> head. `req` correlates a reply. */
export type ToHead =
  | { readonly t: 'register'; readonly node: NodeInfo }
  | { readonly t: 'heartbeat'; readonly nodeId: string; readonly seq: number; readonly load: NodeLoad }
  | { readonly t: 'leave'; readonly nodeId: string }
  | { readonly t: 'status'; readonly req: number }
  | { readonly t: 'stop'; readonly req: number }
  /** Store a code package (code-package.ts); payload: its bytes, one frame. */
  | { readonly t: 'put-package'; readonly req: number; readonly hash: string }
  | { readonly t: 'get-package'; readonly req: number; readonly hash: string }
  /** A driver joins (or says it is still there): the head answers with the node table. */
  | { readonly t: 'driver-hello'; readonly driverId: string }
  /** A driver leaves: its actors on every node are stopped. */
  | { readonly t: 'driver-bye'; readonly driverId: string }
  /** Driver -> one node, relayed by the head; payload: one job message (job-protocol.ts). */
  | { readonly t: 'to-node'; readonly driverId: string; readonly nodeId: string }
  /** Node -> a driver, relayed by the head; payload: one job message. */
  | { readonly t: 'to-driver'; readonly driverId: string; readonly nodeId: string }
  /** A driver's named actor runs on `nodeId` now (other drivers reach it by name). */
  | { readonly t: 'name-actor'; readonly entry: NamedActorEntry }
  /** A driver's named actor is gone. */
  | { readonly t: 'unname-actor'; readonly driverId: string; readonly name: string };

/** A named actor as the head lists it for every driver. */
export interface NamedActorEntry {
  readonly name: string;
  /** The driver that created (owns) it, and its id there. */
  readonly driverId: string;
  readonly actorId: number;
  readonly nodeId: string;
  /** The class's export name. */
  readonly exportName: string;
}

/** A node as drivers see it (the table they place work by). */
export interface NodeEntry {
  readonly nodeId: string;
  readonly host: string;
  readonly resources: Resources;
  readonly state: 'alive' | 'dead';
  readonly deathCause?: string;
}

/** Head -> node or client. */
export type FromHead =
  | {
      readonly t: 'welcome';
      readonly nodeId: string;
      readonly headId: string;
      readonly heartbeatMs: number;
      readonly deadAfterMs: number;
    }
  | { readonly t: 'heartbeat'; readonly seq: number }
  /** The head does not know this node (it restarted, or declared the node dead): register again. */
  | { readonly t: 'unknown-node'; readonly nodeId: string }
  /** The node must exit (`rl cluster stop`). */
  | { readonly t: 'stop' }
  | { readonly t: 'status-reply'; readonly req: number; readonly status: ClusterStatus }
  | { readonly t: 'ok'; readonly req: number }
  /** A code package; payload: its bytes, one frame. */
  | { readonly t: 'package'; readonly req: number; readonly hash: string }
  /** A request that failed; `message` says why. */
  | { readonly t: 'error'; readonly req: number; readonly message: string }
  /** The head dropped this peer; `reason` says what was wrong. */
  | { readonly t: 'dropped'; readonly reason: string }
  /** To drivers, every heartbeat: the node table, and how long the head has run (after a restart, nodes re-register). */
  | {
      readonly t: 'nodes';
      readonly headId: string;
      readonly uptimeMs: number;
      readonly deadAfterMs: number;
      readonly nodes: readonly NodeEntry[];
      /** Named actors of every driver. */
      readonly names: readonly NamedActorEntry[];
    }
  /** Relayed from a driver to this node; payload: one job message. */
  | { readonly t: 'from-driver'; readonly driverId: string }
  /** Relayed from a node to this driver; payload: one job message. */
  | { readonly t: 'from-node'; readonly nodeId: string }
  /** A message for this node could not be delivered: the head does not know it as alive. */
  | { readonly t: 'node-gone'; readonly nodeId: string }
  /** To nodes: a driver left or went silent; stop its actors and drop its work. */
  | { readonly t: 'job-end'; readonly driverId: string }
  /** To a driver back after the head ended its job for silence: its work on the nodes is gone. */
  | { readonly t: 'job-ended'; readonly driverId: string; readonly reason: string };

/** A message that breaks the protocol; the text names what and where. */
export class ProtocolViolation extends Error {
  override name = 'ProtocolViolation';
}

/** Packs a message (version added) plus payload frames. */
export function packClusterMessage(
  message: ToHead | FromHead,
  payload: readonly Uint8Array[] = [],
): Uint8Array[] {
  return [packr.pack({ v: CLUSTER_PROTOCOL_VERSION, ...message }), ...payload];
}

/** A parsed message and its payload frames. */
export interface Parsed<M> {
  readonly message: M;
  readonly payload: readonly Uint8Array[];
}

type Checker<M> = (m: Record<string, unknown>) => M;

/**
 * Checks sizes, decodes frame 0 and validates it with `check`.
 * @throws ProtocolViolation naming the broken limit or field
 */
export function parseClusterMessage<M>(
  frames: readonly Uint8Array[],
  check: Checker<M>,
  limits: FrameLimits = DEFAULT_FRAME_LIMITS,
): Parsed<M> {
  if (frames.length === 0) throw new ProtocolViolation('empty message');
  if (frames.length > limits.maxFrames) {
    throw new ProtocolViolation(`${frames.length} frames (at most ${limits.maxFrames})`);
  }
  let total = 0;
  for (const f of frames) total += f.byteLength;
  if (total > limits.maxMessageBytes) {
    throw new ProtocolViolation(`message of ${total} bytes (at most ${limits.maxMessageBytes})`);
  }
  const head = frames[0] as Uint8Array;
  if (head.byteLength > limits.maxHeaderBytes) {
    throw new ProtocolViolation(`header of ${head.byteLength} bytes (at most ${limits.maxHeaderBytes})`);
  }
  let decoded: unknown;
  try {
    decoded = packr.unpack(head);
  } catch (err) {
    throw new ProtocolViolation(`header is not msgpack (${(err as Error).message.slice(0, 80)})`);
  }
  const m = asRecord(decoded, 'header');
  if (m['v'] !== CLUSTER_PROTOCOL_VERSION) {
    throw new ProtocolViolation(
      `protocol version ${show(m['v'])} (expected ${CLUSTER_PROTOCOL_VERSION}: every machine must run the same tsrl)`,
    );
  }
  return { message: check(m), payload: frames.slice(1) };
}

function show(v: unknown): string {
  try {
    return (JSON.stringify(v) ?? String(v)).slice(0, 80);
  } catch {
    return String(v).slice(0, 80);
  }
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) {
    throw new ProtocolViolation(`${what} must be an object (got ${show(v)})`);
  }
  return v as Record<string, unknown>;
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

function id(m: Record<string, unknown>, field: string): string {
  const v = m[field];
  if (typeof v !== 'string' || !ID.test(v)) {
    throw new ProtocolViolation(`${field} must be 1-64 characters of A-Z a-z 0-9 . _ : - (got ${show(v)})`);
  }
  return v;
}

function packageHash(m: Record<string, unknown>): string {
  const v = m['hash'];
  if (typeof v !== 'string' || !isPackageHash(v)) {
    throw new ProtocolViolation(`hash must be 64 lowercase hex characters (got ${show(v)})`);
  }
  return v;
}

function count(m: Record<string, unknown>, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = m[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new ProtocolViolation(`${field} must be an integer 0-${max} (got ${show(v)})`);
  }
  return v;
}

/** Resource maps: at most 64 names of up to 64 characters, finite values >= 0. */
export function checkResources(v: unknown, field: string): Resources {
  const rec = asRecord(v, field);
  const entries = Object.entries(rec);
  if (entries.length > 64) throw new ProtocolViolation(`${field} has ${entries.length} entries (at most 64)`);
  for (const [name, amount] of entries) {
    if (!ID.test(name))
      throw new ProtocolViolation(`${field} name ${show(name)} is not 1-64 of A-Z a-z 0-9 . _ : -`);
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new ProtocolViolation(`${field}.${name} must be a finite number >= 0 (got ${show(amount)})`);
    }
  }
  return rec as Resources;
}

function checkLoad(v: unknown): NodeLoad {
  const m = asRecord(v, 'load');
  return {
    resourcesUsed: checkResources(m['resourcesUsed'], 'load.resourcesUsed'),
    numActors: count(m, 'numActors'),
    numQueuedTasks: count(m, 'numQueuedTasks'),
    objectStoreBytes: count(m, 'objectStoreBytes'),
  };
}

function checkNode(v: unknown): NodeInfo {
  const m = asRecord(v, 'node');
  const host = m['host'];
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) {
    throw new ProtocolViolation(`node.host must be a host name or IP (got ${show(host)})`);
  }
  return {
    nodeId: id(m, 'nodeId'),
    host,
    pid: count(m, 'pid', 2 ** 31),
    resources: checkResources(m['resources'], 'node.resources'),
  };
}

function checkNames(v: unknown): NamedActorEntry[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > MAX_NAMED_ACTORS) {
    throw new ProtocolViolation(`names must be an array of at most ${MAX_NAMED_ACTORS} entries`);
  }
  return v.map(checkNamedActor);
}

function checkNodeEntry(v: unknown): NodeEntry {
  const m = asRecord(v, 'nodes[]');
  const host = m['host'];
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) {
    throw new ProtocolViolation(`nodes[].host must be a host name or IP (got ${show(host)})`);
  }
  const state = m['state'];
  if (state !== 'alive' && state !== 'dead') {
    throw new ProtocolViolation(`nodes[].state must be 'alive' or 'dead' (got ${show(state)})`);
  }
  const cause = m['deathCause'];
  return {
    nodeId: id(m, 'nodeId'),
    host,
    resources: checkResources(m['resources'], 'nodes[].resources'),
    state,
    ...(typeof cause === 'string' ? { deathCause: cause.slice(0, 500) } : {}),
  };
}

/** Most named actors listed in one node table. */
export const MAX_NAMED_ACTORS = 10_000;

function actorName(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) {
    throw new ProtocolViolation(`name must be a string of 1-200 characters (got ${show(v)})`);
  }
  return v;
}

function checkNamedActor(v: unknown): NamedActorEntry {
  const m = asRecord(v, 'named actor');
  const exportName = m['exportName'];
  if (typeof exportName !== 'string' || !/^[A-Za-z_$][A-Za-z0-9_$]{0,199}$/.test(exportName)) {
    throw new ProtocolViolation(`exportName must be a JavaScript identifier (got ${show(exportName)})`);
  }
  return {
    name: actorName(m['name']),
    driverId: id(m, 'driverId'),
    actorId: count(m, 'actorId'),
    nodeId: id(m, 'nodeId'),
    exportName,
  };
}

/** Validates a message sent to the head. @throws ProtocolViolation */
export function checkToHead(m: Record<string, unknown>): ToHead {
  switch (m['t']) {
    case 'register':
      return { t: 'register', node: checkNode(m['node']) };
    case 'heartbeat':
      return { t: 'heartbeat', nodeId: id(m, 'nodeId'), seq: count(m, 'seq'), load: checkLoad(m['load']) };
    case 'leave':
      return { t: 'leave', nodeId: id(m, 'nodeId') };
    case 'status':
    case 'stop':
      return { t: m['t'], req: count(m, 'req') };
    case 'put-package':
    case 'get-package':
      return { t: m['t'], req: count(m, 'req'), hash: packageHash(m) };
    case 'driver-hello':
    case 'driver-bye':
      return { t: m['t'], driverId: id(m, 'driverId') };
    case 'to-node':
    case 'to-driver':
      return { t: m['t'], driverId: id(m, 'driverId'), nodeId: id(m, 'nodeId') };
    case 'name-actor':
      return { t: 'name-actor', entry: checkNamedActor(m['entry']) };
    case 'unname-actor':
      return { t: 'unname-actor', driverId: id(m, 'driverId'), name: actorName(m['name']) };
    default:
      throw new ProtocolViolation(
        `message type ${show(m['t'])} (expected register, heartbeat, leave, status, stop, put-package, ` +
          'get-package, driver-hello, driver-bye, to-node, to-driver, name-actor or unname-actor)',
      );
  }
}

/** Validates a message sent by the head. @throws ProtocolViolation */
export function checkFromHead(m: Record<string, unknown>): FromHead {
  switch (m['t']) {
    case 'welcome':
      return {
        t: 'welcome',
        nodeId: id(m, 'nodeId'),
        headId: id(m, 'headId'),
        heartbeatMs: count(m, 'heartbeatMs'),
        deadAfterMs: count(m, 'deadAfterMs'),
      };
    case 'heartbeat':
      return { t: 'heartbeat', seq: count(m, 'seq') };
    case 'unknown-node':
      return { t: 'unknown-node', nodeId: id(m, 'nodeId') };
    case 'stop':
      return { t: 'stop' };
    case 'ok':
      return { t: 'ok', req: count(m, 'req') };
    case 'package':
      return { t: 'package', req: count(m, 'req'), hash: packageHash(m) };
    case 'error':
      if (typeof m['message'] !== 'string') throw new ProtocolViolation('message must be a string');
      return { t: 'error', req: count(m, 'req'), message: m['message'].slice(0, 2000) };
    case 'status-reply':
      // The head is the peer a node or client chose to trust (it holds the cluster key); the status
      // is shown, not acted on, so only its shape is checked.
      asRecord(m['status'], 'status');
      if (!Array.isArray((m['status'] as Record<string, unknown>)['nodes'])) {
        throw new ProtocolViolation('status.nodes must be an array');
      }
      return { t: 'status-reply', req: count(m, 'req'), status: m['status'] as ClusterStatus };
    case 'dropped':
      if (typeof m['reason'] !== 'string') throw new ProtocolViolation('reason must be a string');
      return { t: 'dropped', reason: m['reason'].slice(0, 500) };
    case 'nodes': {
      const nodes = m['nodes'];
      if (!Array.isArray(nodes) || nodes.length > 100_000)
        throw new ProtocolViolation('nodes must be an array of at most 100000 entries');
      return {
        t: 'nodes',
        headId: id(m, 'headId'),
        uptimeMs: count(m, 'uptimeMs'),
        deadAfterMs: count(m, 'deadAfterMs'),
        nodes: nodes.map(checkNodeEntry),
        names: checkNames(m['names']),
      };
    }
    case 'from-driver':
    case 'job-end':
      return { t: m['t'], driverId: id(m, 'driverId') };
    case 'from-node':
    case 'node-gone':
      return { t: m['t'], nodeId: id(m, 'nodeId') };
    case 'job-ended':
      if (typeof m['reason'] !== 'string') throw new ProtocolViolation('reason must be a string');
      return { t: 'job-ended', driverId: id(m, 'driverId'), reason: m['reason'].slice(0, 500) };
    default:
      throw new ProtocolViolation(`message type ${show(m['t'])} from the head`);
  }
}
