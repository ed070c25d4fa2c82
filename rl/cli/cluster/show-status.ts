/** `rl cluster status`: the head's membership table as text, or as JSON with `--json`. */
import type { ClusterStatus, NodeStatus } from '../../../core/cluster/protocol.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** `CPU 1/4, GPU 0/1`: used/total per resource. */
function resources(n: NodeStatus): string {
  const names = [...new Set([...Object.keys(n.resources), ...Object.keys(n.load.resourcesUsed)])];
  if (names.length === 0) return '-';
  return names.map((k) => `${k} ${n.load.resourcesUsed[k] ?? 0}/${n.resources[k] ?? 0}`).join(', ');
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The status as a few lines of text. */
export function formatStatus(s: ClusterStatus): string {
  const alive = s.nodes.filter((n) => n.state === 'alive').length;
  const header = `cluster ${s.headId} at ${s.address} (${s.curve ? 'CURVE' : 'plain'}), up ${Math.round(s.uptimeMs / 1000)} s, ${alive} of ${s.nodes.length} nodes alive`;
  const rows = [
    ['NODE', 'HOST', 'STATE', 'RESOURCES (used/total)', 'ACTORS', 'QUEUED', 'STORE', 'LAST SEEN'],
    ...s.nodes.map((n) => [
      n.nodeId,
      n.host,
      n.state,
      resources(n),
      String(n.load.numActors),
      String(n.load.numQueuedTasks),
      bytes(n.load.objectStoreBytes),
      `${(n.lastSeenMsAgo / 1000).toFixed(1)} s ago`,
    ]),
  ];
  const dead = s.nodes
    .filter((n) => n.deathCause !== undefined)
    .map((n) => `${n.nodeId} dead: ${n.deathCause}`);
  const refused =
    s.droppedPeers + s.refusedHandshakes > 0
      ? [
          `refused: ${s.refusedHandshakes} handshakes without the key, ${s.droppedPeers} peers dropped for malformed messages`,
        ]
      : [];
  const packages =
    s.numPackages > 0 ? [`code packages held: ${s.numPackages} (${bytes(s.packageBytes)})`] : [];
  // Older heads (same protocol version) send no drivers.
  const drivers = s.drivers ?? [];
  const jobs = [
    `drivers connected: ${drivers.length}${drivers.length > 0 ? ` (${drivers.map((d) => d.driverId).join(', ')})` : ''}`,
  ];
  return [header, table(rows), ...jobs, ...dead, ...packages, ...refused, ''].join('\n');
}
