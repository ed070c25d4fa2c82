/**
 * Where cluster sockets listen, and the rule that keeps them closed to strangers: the head binds
 * loopback (127.0.0.1) unless told otherwise, and any other address needs CURVE (the cluster key) or
 * an explicit `allowPlain` (benchmarks and tests on private namespaced networks). Addresses are
 * `HOST:PORT` (or `tcp://HOST:PORT`) with an IP literal or a host name.
 */
import { isIP } from 'node:net';

/** The default listen address: this machine only. */
export const DEFAULT_BIND = '127.0.0.1';

/** The default head port. */
export const DEFAULT_HEAD_PORT = 6380;

/** A host and TCP port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Whether an IP literal is a loopback address (127.0.0.0/8, ::1). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** Checks a port number (0 = pick a free one when binding). @throws Error naming `what` */
export function checkPort(port: number, what: string, allowZero = false): number {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new Error(`${what} must be an integer port ${allowZero ? '0' : '1'}-65535 (got ${port})`);
  }
  return port;
}

/**
 * Parses `HOST:PORT`, `tcp://HOST:PORT` or `[IPv6]:PORT`.
 * @throws Error naming `what`, the value and the expected form
 */
export function parseHostPort(text: string, what: string): HostPort {
  const bare = text.startsWith('tcp://') ? text.slice('tcp://'.length) : text;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(bare);
  const host = m?.[1] ?? m?.[2];
  if (m === null || host === undefined || (isIP(host) === 0 && !HOST_NAME.test(host))) {
    throw new Error(
      `${what} must be HOST:PORT, e.g. 10.0.0.1:${DEFAULT_HEAD_PORT} (got ${JSON.stringify(text)})`,
    );
  }
  return { host, port: checkPort(Number(m[3]), `${what} port`) };
}

/** The ZeroMQ endpoint of a host and port. */
export function tcpEndpoint({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}

/** What a listener asks for. */
export interface BindRequest {
  /** The address to listen on; loopback when undefined. `0.0.0.0` listens on every interface. */
  readonly bind?: string | undefined;
  /** Whether the socket runs CURVE (the cluster key). */
  readonly curve: boolean;
  /** Allow a non-loopback bind without CURVE (private test networks only). @default false */
  readonly allowPlain?: boolean;
}

/**
 * The listen host for a request.
 * @throws Error when the address is not an IP literal, or is reachable from other hosts without CURVE
 */
export function resolveBindHost(req: BindRequest): string {
  const host = req.bind ?? DEFAULT_BIND;
  if (isIP(host) === 0) {
    throw new Error(
      `--bind must be an IP address of this machine, e.g. 10.0.0.1 or 0.0.0.0 (got ${JSON.stringify(host)})`,
    );
  }
  if (!isLoopback(host) && !req.curve && req.allowPlain !== true) {
    throw new Error(
      `binding ${host} without CURVE would let any host that reaches it join the cluster; ` +
        'use the cluster key (the default for rl cluster start) or bind 127.0.0.1',
    );
  }
  return host;
}
