/**
 * The driver's view of the cluster's nodes for placing work: each live node's resources and what this
 * driver has placed on it. A task or actor goes to a node whose resources cover its request, the least
 * used one by the requested resources (so work spreads over the nodes). Tasks may be placed up to
 * {@link TASK_OVERCOMMIT} times a node's resources (the node queues and pipelines them); actors hold
 * their resources for their life and are placed only where they fit.
 */
import type { ResourceRequest } from '../options.js';
import type { NodeEntry, Resources } from './protocol.js';

/** How far beyond its resources a node is given tasks (it queues them itself). */
export const TASK_OVERCOMMIT = 4;

interface Slot {
  entry: NodeEntry;
  readonly used: Record<string, number>;
}

/** See the module comment. */
export class Placement {
  private readonly slots = new Map<string, Slot>();
  private turn = 0;

  /** Sets a live node (new, or back after a partition: nothing of ours runs there any more). */
  upsert(entry: NodeEntry, fresh: boolean): void {
    const slot = this.slots.get(entry.nodeId);
    if (slot === undefined || fresh) this.slots.set(entry.nodeId, { entry, used: {} });
    else slot.entry = entry;
  }

  /** Forgets a node (dead). */
  remove(nodeId: string): void {
    this.slots.delete(nodeId);
  }

  has(nodeId: string): boolean {
    return this.slots.has(nodeId);
  }

  nodeIds(): string[] {
    return [...this.slots.keys()];
  }

  /** The host of a node, for messages. */
  host(nodeId: string): string | undefined {
    return this.slots.get(nodeId)?.entry.host;
  }

  /** Whether some live node could ever run `request`. */
  feasible(request: ResourceRequest): boolean {
    for (const slot of this.slots.values()) if (covers(slot.entry.resources, request, 1, {})) return true;
    return false;
  }

  /** The node to run `request` on now, or undefined when none has room. */
  pick(request: ResourceRequest, kind: 'task' | 'actor'): string | undefined {
    const factor = kind === 'task' ? TASK_OVERCOMMIT : 1;
    let best: string | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    const ids = [...this.slots.keys()];
    this.turn = (this.turn + 1) % Math.max(1, ids.length);
    for (let k = 0; k < ids.length; k++) {
      const nodeId = ids[(this.turn + k) % ids.length] as string;
      const slot = this.slots.get(nodeId) as Slot;
      if (!covers(slot.entry.resources, request, 1, {})) continue;
      if (!covers(slot.entry.resources, request, factor, slot.used)) continue;
      const score = usage(slot.entry.resources, request, slot.used);
      if (score < bestScore) {
        bestScore = score;
        best = nodeId;
      }
    }
    return best;
  }

  /** Counts `request` as placed on `nodeId`. */
  use(nodeId: string, request: ResourceRequest): void {
    const slot = this.slots.get(nodeId);
    if (slot === undefined) return;
    for (const [k, v] of Object.entries(request)) slot.used[k] = (slot.used[k] ?? 0) + v;
  }

  /** Gives back what {@link use} counted. */
  release(nodeId: string, request: ResourceRequest): void {
    const slot = this.slots.get(nodeId);
    if (slot === undefined) return;
    for (const [k, v] of Object.entries(request)) slot.used[k] = Math.max(0, (slot.used[k] ?? 0) - v);
  }
}

function covers(
  total: Resources,
  request: ResourceRequest,
  factor: number,
  used: Readonly<Record<string, number>>,
): boolean {
  for (const [k, v] of Object.entries(request)) {
    if (v <= 0) continue;
    const have = total[k] ?? 0;
    if (have < v) return false;
    if ((used[k] ?? 0) + v > have * factor + 1e-9) return false;
  }
  return true;
}

/** The largest share of any requested resource in use after placing `request` (0 when it asks for none). */
function usage(total: Resources, request: ResourceRequest, used: Readonly<Record<string, number>>): number {
  let score = 0;
  for (const [k, v] of Object.entries(request)) {
    const have = total[k] ?? 0;
    if (have > 0) score = Math.max(score, ((used[k] ?? 0) + v) / have);
  }
  if (score === 0) {
    let sum = 0;
    for (const v of Object.values(used)) sum += v;
    return sum;
  }
  return score;
}
