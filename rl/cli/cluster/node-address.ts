/** Which local address reaches a host: the source address the kernel picks for a route to it. */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** The local IP address used to reach `host` (no packet is sent: a UDP connect only picks a route). */
export async function localAddressTowards(host: string): Promise<string> {
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, host, () => resolve(socket.address().address));
    });
  } finally {
    socket.close();
  }
}

/** This machine's first non-loopback IPv4 address, for an address printed by a head bound to 0.0.0.0. */
export function firstExternalIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}
