/**
 * Resource accounting of one node: CPUs, GPUs (per device, so ids can be handed out) and custom
 * resources. Amounts are kept in units of 1/10000 (as Ray's fixed point) so fractions add up exactly.
 */
import type { ResourceRequest } from './options.js';

const UNIT = 10_000;
const toUnits = (x: number): number => Math.round(x * UNIT);

/** What a granted request holds, to give back with `release`. */
export interface Grant {
  readonly request: ResourceRequest;
  readonly gpuIds: readonly number[];
}

/** The resources of one node. */
export class ResourcePool {
  private readonly total: Map<string, number>;
  private readonly available: Map<string, number>;
  /** Free units per GPU device. */
  private readonly gpuFree: number[];

  constructor(total: Readonly<Record<string, number>>) {
    this.total = new Map(Object.entries(total).map(([k, v]) => [k, toUnits(v)]));
    this.available = new Map(this.total);
    this.gpuFree = Array.from({ length: Math.floor(total['GPU'] ?? 0) }, () => UNIT);
  }

  /** A message saying why `request` can never fit this node, or undefined when it can. */
  infeasible(request: ResourceRequest): string | undefined {
    for (const [name, amount] of Object.entries(request)) {
      if (toUnits(amount) > (this.total.get(name) ?? 0)) {
        const offered = Object.fromEntries([...this.total].map(([k, v]) => [k, v / UNIT]));
        return `asks for ${amount} ${name} but the node offers ${JSON.stringify(offered)}; lower the request or declare more in init()`;
      }
    }
    return undefined;
  }

  /** True when `request` fits in what is free minus `reserved` (amounts by name, not units). */
  fits(request: ResourceRequest, reserved: Readonly<Record<string, number>> = {}): boolean {
    for (const [name, amount] of Object.entries(request)) {
      const free = (this.available.get(name) ?? 0) - toUnits(reserved[name] ?? 0);
      if (toUnits(amount) > free) return false;
    }
    return true;
  }

  /** Takes the resources if all are free now; returns the grant or undefined. */
  acquire(request: ResourceRequest): Grant | undefined {
    for (const [name, amount] of Object.entries(request)) {
      if (toUnits(amount) > (this.available.get(name) ?? 0)) return undefined;
    }
    const gpuIds = this.pickGpus(request['GPU'] ?? 0);
    if (gpuIds === undefined) return undefined;
    for (const [name, amount] of Object.entries(request)) {
      this.available.set(name, (this.available.get(name) ?? 0) - toUnits(amount));
    }
    return { request, gpuIds };
  }

  private pickGpus(amount: number): number[] | undefined {
    const units = toUnits(amount);
    if (units === 0) return [];
    if (units < UNIT) {
      // Best fit: the most used device that still has room, so whole devices stay free.
      let best = -1;
      for (let i = 0; i < this.gpuFree.length; i++) {
        const free = this.gpuFree[i] ?? 0;
        if (free >= units && (best < 0 || free < (this.gpuFree[best] ?? 0))) best = i;
      }
      if (best < 0) return undefined;
      this.gpuFree[best] = (this.gpuFree[best] ?? 0) - units;
      return [best];
    }
    const whole = Math.round(units / UNIT);
    const ids: number[] = [];
    for (let i = 0; i < this.gpuFree.length && ids.length < whole; i++)
      if (this.gpuFree[i] === UNIT) ids.push(i);
    if (ids.length < whole) return undefined;
    for (const i of ids) this.gpuFree[i] = 0;
    return ids;
  }

  /** Gives a grant back. */
  release(grant: Grant): void {
    for (const [name, amount] of Object.entries(grant.request)) {
      this.available.set(name, (this.available.get(name) ?? 0) + toUnits(amount));
    }
    const gpu = toUnits(grant.request['GPU'] ?? 0);
    const perDevice = grant.gpuIds.length === 1 ? gpu : UNIT;
    for (const i of grant.gpuIds) this.gpuFree[i] = (this.gpuFree[i] ?? 0) + perDevice;
  }

  /** Free amounts by resource name. */
  availableNow(): Record<string, number> {
    return Object.fromEntries([...this.available].map(([k, v]) => [k, v / UNIT]));
  }

  /** Amounts held by running tasks and live actors, by resource name (every offered resource listed). */
  inUseNow(): Record<string, number> {
    return Object.fromEntries(
      [...this.total].map(([k, v]) => [k, (v - (this.available.get(k) ?? 0)) / UNIT]),
    );
  }
}
