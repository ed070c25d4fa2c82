/**
 * The messages between a driver (the owner of a job's objects) and the nodes that run its tasks and
 * actors. The head relays them without reading them: each travels as the one payload frame of a
 * `to-node` / `to-driver` message, msgpack of one of the objects below. The receiver validates every
 * field ({@link checkJobToNode}, {@link checkJobToDriver}); a bad message raises ProtocolViolation.
 *
 * Arguments travel resolved: the driver waits for every ref inside a task's arguments and sends the
 * values with the task (`deps`, in slot order), so a node never asks a driver for an object.
 */
import { packr } from '../codec.js';
import { type ErrorPayload, isErrorPayload } from '../errors.js';
import { checkResources, ProtocolViolation, type Resources } from './protocol.js';

/** Where a definition lives: a file of the job's working directory, or of tsrl itself. */
export interface WireSite {
  readonly root: 'job' | 'tsrl';
  /** Relative path with `/` separators. */
  readonly path: string;
  readonly exportName: string;
}

/** An encoded value without its local bookkeeping (codec.ts). */
export interface WireValue {
  readonly data: Uint8Array;
  readonly frames: readonly Uint8Array[];
}

/** Task or constructor arguments and the values of the refs inside them. */
export interface WireArgs extends WireValue {
  readonly deps: readonly WireValue[];
}

/** Driver -> node. Ids are the driver's object ids (results) and actor ids. */
export type JobToNode =
  | {
      readonly t: 'task';
      readonly id: number;
      /** The job's code package (SHA-256). */
      readonly pkg: string;
      readonly site: WireSite;
      readonly resources: Resources;
      readonly maxRetries: number;
      readonly retryExceptions: boolean | readonly string[];
      readonly timeoutMs?: number;
      readonly args: WireArgs;
    }
  | {
      readonly t: 'actor';
      readonly actorId: number;
      readonly pkg: string;
      readonly site: WireSite;
      readonly resources: Resources;
      readonly maxRestarts: number;
      readonly maxTaskRetries: number;
      readonly maxConcurrency: number;
      readonly args: WireArgs;
    }
  | {
      readonly t: 'call';
      readonly id: number;
      readonly actorId: number;
      readonly method: string;
      readonly args: WireArgs;
      /** The driver that owns the actor, when not the caller (a named actor found by another driver). */
      readonly owner?: string;
    }
  | { readonly t: 'kill'; readonly actorId: number }
  | { readonly t: 'cancel'; readonly id: number; readonly force: boolean };

/** Node -> driver: the result of a task or actor call, or an actor that could not be created. */
export type JobToDriver =
  | {
      readonly t: 'result';
      readonly id: number;
      readonly value: WireValue;
      /** The objects of the refs inside `value` (made on the node: an actor's put), by their node ids. */
      readonly inner?: readonly InnerObject[];
    }
  | { readonly t: 'failed'; readonly id: number; readonly error: ErrorPayload }
  | { readonly t: 'actor-failed'; readonly actorId: number; readonly error: ErrorPayload };

/** An object a result refers to, sent with it (it holds no refs itself). */
export interface InnerObject {
  readonly id: number;
  readonly value: WireValue;
}

/** Packs a job message into the one payload frame that carries it. */
export function packJobMessage(message: JobToNode | JobToDriver): Uint8Array {
  return packr.pack(message);
}

function show(v: unknown): string {
  try {
    return (JSON.stringify(v) ?? String(v)).slice(0, 80);
  } catch {
    return String(v).slice(0, 80);
  }
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) {
    throw new ProtocolViolation(`${what} must be an object (got ${show(v)})`);
  }
  return v as Record<string, unknown>;
}

function int(m: Record<string, unknown>, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = m[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new ProtocolViolation(`job message ${field} must be an integer 0-${max} (got ${show(v)})`);
  }
  return v;
}

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ProtocolViolation(`${what} must be bytes`);
  return v;
}

const MAX_FRAMES = 100_000;
const MAX_DEPS = 100_000;

function wireValue(v: unknown, what: string): WireValue {
  const m = record(v, what);
  const frames = m['frames'];
  if (!Array.isArray(frames) || frames.length > MAX_FRAMES) {
    throw new ProtocolViolation(`${what}.frames must be a list of at most ${MAX_FRAMES} byte strings`);
  }
  return {
    data: aligned(bytes(m['data'], `${what}.data`)),
    frames: frames.map((f, i) => aligned(bytes(f, `${what}.frames[${i}]`))),
  };
}

/**
 * Bytes at an 8-byte aligned offset. Values unpacked from msgpack sit at any offset of the message;
 * the codec (msgpackr's inline typed arrays, code viewing a Uint8Array's buffer as floats) expects
 * them aligned, as ZeroMQ delivers separate frames, so unaligned bytes are copied once.
 */
function aligned(frame: Uint8Array): Uint8Array {
  // new Uint8Array(x) copies; a Buffer's slice() would not.
  return frame.byteOffset % 8 === 0 ? frame : new Uint8Array(frame);
}

function wireArgs(v: unknown): WireArgs {
  const base = wireValue(v, 'args');
  const deps = record(v, 'args')['deps'];
  if (!Array.isArray(deps) || deps.length > MAX_DEPS) {
    throw new ProtocolViolation(`args.deps must be a list of at most ${MAX_DEPS} values`);
  }
  return { ...base, deps: deps.map((d, i) => wireValue(d, `args.deps[${i}]`)) };
}

const NAME = /^[A-Za-z_$][\w$]{0,199}$/;
const PACKAGE_HASH = /^[0-9a-f]{64}$/;

function site(v: unknown): WireSite {
  const m = record(v, 'site');
  const root = m['root'];
  if (root !== 'job' && root !== 'tsrl') {
    throw new ProtocolViolation(`site.root must be 'job' or 'tsrl' (got ${show(root)})`);
  }
  const path = m['path'];
  if (typeof path !== 'string' || path.length === 0 || path.length > 1024) {
    throw new ProtocolViolation(`site.path must be a relative path of 1-1024 characters (got ${show(path)})`);
  }
  const exportName = m['exportName'];
  if (typeof exportName !== 'string' || !NAME.test(exportName)) {
    throw new ProtocolViolation(`site.exportName must be a JavaScript identifier (got ${show(exportName)})`);
  }
  // Where the path may point is checked when it is resolved (job-sites.ts), against the real files.
  return { root, path, exportName };
}

function pkg(m: Record<string, unknown>): string {
  const v = m['pkg'];
  if (typeof v !== 'string' || !PACKAGE_HASH.test(v)) {
    throw new ProtocolViolation(`pkg must be 64 lowercase hex characters (got ${show(v)})`);
  }
  return v;
}

function retryExceptions(v: unknown): boolean | readonly string[] {
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.length <= 256 && v.every((s) => typeof s === 'string' && s.length <= 200)) {
    return v as string[];
  }
  throw new ProtocolViolation(`retryExceptions must be a boolean or a list of error names (got ${show(v)})`);
}

/** Decodes and validates a job message sent to a node. @throws ProtocolViolation */
export function checkJobToNode(frame: Uint8Array | undefined): JobToNode {
  const m = decode(frame);
  switch (m['t']) {
    case 'task': {
      const timeout = m['timeoutMs'];
      if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
        throw new ProtocolViolation(`timeoutMs must be a number > 0 (got ${show(timeout)})`);
      }
      return {
        t: 'task',
        id: int(m, 'id'),
        pkg: pkg(m),
        site: site(m['site']),
        resources: checkResources(m['resources'], 'resources'),
        maxRetries: int(m, 'maxRetries', 1_000_000),
        retryExceptions: retryExceptions(m['retryExceptions']),
        ...(timeout === undefined ? {} : { timeoutMs: timeout }),
        args: wireArgs(m['args']),
      };
    }
    case 'actor':
      return {
        t: 'actor',
        actorId: int(m, 'actorId'),
        pkg: pkg(m),
        site: site(m['site']),
        resources: checkResources(m['resources'], 'resources'),
        maxRestarts: int(m, 'maxRestarts', 1_000_000),
        maxTaskRetries: int(m, 'maxTaskRetries', 1_000_000),
        maxConcurrency: Math.max(1, int(m, 'maxConcurrency', 100_000)),
        args: wireArgs(m['args']),
      };
    case 'call': {
      const method = m['method'];
      if (typeof method !== 'string' || !NAME.test(method)) {
        throw new ProtocolViolation(`method must be a JavaScript identifier (got ${show(method)})`);
      }
      const owner = m['owner'];
      if (owner !== undefined && (typeof owner !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(owner))) {
        throw new ProtocolViolation(`owner must be a driver id (got ${show(owner)})`);
      }
      return {
        t: 'call',
        id: int(m, 'id'),
        actorId: int(m, 'actorId'),
        method,
        args: wireArgs(m['args']),
        ...(owner === undefined ? {} : { owner }),
      };
    }
    case 'kill':
      return { t: 'kill', actorId: int(m, 'actorId') };
    case 'cancel':
      if (typeof m['force'] !== 'boolean') throw new ProtocolViolation('force must be a boolean');
      return { t: 'cancel', id: int(m, 'id'), force: m['force'] };
    default:
      throw new ProtocolViolation(
        `job message type ${show(m['t'])} (expected task, actor, call, kill or cancel)`,
      );
  }
}

/** Decodes and validates a job message sent to a driver. @throws ProtocolViolation */
export function checkJobToDriver(frame: Uint8Array | undefined): JobToDriver {
  const m = decode(frame);
  switch (m['t']) {
    case 'result': {
      const value = wireValue(m['value'], 'value');
      const inner = m['inner'];
      if (inner === undefined) return { t: 'result', id: int(m, 'id'), value };
      if (!Array.isArray(inner) || inner.length > MAX_DEPS) {
        throw new ProtocolViolation(`inner must be a list of at most ${MAX_DEPS} objects`);
      }
      const objects = inner.map((o, i) => {
        const r = record(o, `inner[${i}]`);
        return { id: int(r, 'id'), value: wireValue(r['value'], `inner[${i}].value`) };
      });
      return { t: 'result', id: int(m, 'id'), value, inner: objects };
    }
    case 'failed': {
      const error = m['error'];
      if (!isErrorPayload(error)) {
        throw new ProtocolViolation('error must be { kind, name, message, stack } strings');
      }
      return { t: 'failed', id: int(m, 'id'), error };
    }
    case 'actor-failed': {
      const error = m['error'];
      if (!isErrorPayload(error)) {
        throw new ProtocolViolation('error must be { kind, name, message, stack } strings');
      }
      return { t: 'actor-failed', actorId: int(m, 'actorId'), error };
    }
    default:
      throw new ProtocolViolation(
        `job message type ${show(m['t'])} (expected result, failed or actor-failed)`,
      );
  }
}

function decode(frame: Uint8Array | undefined): Record<string, unknown> {
  if (frame === undefined) throw new ProtocolViolation('a relayed job message carries one payload frame');
  let decoded: unknown;
  try {
    decoded = packr.unpack(frame);
  } catch (err) {
    throw new ProtocolViolation(`job message is not msgpack (${(err as Error).message.slice(0, 80)})`);
  }
  return record(decoded, 'job message');
}
