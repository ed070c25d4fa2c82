import { describe, expect, it } from 'vitest';
import { ResourcePool } from '../../core/resources.js';

describe('ResourcePool', () => {
  it('adds fractions exactly', () => {
    const pool = new ResourcePool({ CPU: 1 });
    const grants = [0.1, 0.2, 0.3, 0.4].map((c) => pool.acquire({ CPU: c }));
    expect(grants.every((g) => g !== undefined)).toBe(true);
    expect(pool.acquire({ CPU: 0.0001 })).toBeUndefined();
    for (const g of grants) if (g !== undefined) pool.release(g);
    expect(pool.availableNow()['CPU']).toBe(1);
  });

  it('reports what is in use next to every offered resource', () => {
    const pool = new ResourcePool({ CPU: 4, GPU: 1, bigmem: 1 });
    const grant = pool.acquire({ CPU: 1.5, GPU: 1 });
    expect(pool.inUseNow()).toEqual({ CPU: 1.5, GPU: 1, bigmem: 0 });
    if (grant !== undefined) pool.release(grant);
    expect(pool.inUseNow()).toEqual({ CPU: 0, GPU: 0, bigmem: 0 });
  });

  it('hands out GPU ids: whole devices, and fractions by best fit', () => {
    const pool = new ResourcePool({ CPU: 4, GPU: 2 });
    const half = pool.acquire({ GPU: 0.5 });
    expect(half?.gpuIds).toEqual([0]);
    const quarter = pool.acquire({ GPU: 0.25 });
    expect(quarter?.gpuIds).toEqual([0]);
    const whole = pool.acquire({ GPU: 1 });
    expect(whole?.gpuIds).toEqual([1]);
    expect(pool.acquire({ GPU: 1 })).toBeUndefined();
    if (half !== undefined) pool.release(half);
    if (quarter !== undefined) pool.release(quarter);
    expect(pool.acquire({ GPU: 1 })?.gpuIds).toEqual([0]);
  });

  it('checks fits against reservations and names infeasible requests', () => {
    const pool = new ResourcePool({ CPU: 2, learner: 1 });
    expect(pool.fits({ CPU: 1 }, { CPU: 1 })).toBe(true);
    expect(pool.fits({ CPU: 1 }, { CPU: 1.5 })).toBe(false);
    expect(pool.infeasible({ learner: 2 })).toMatch(/asks for 2 learner/);
    expect(pool.infeasible({ CPU: 2, learner: 1 })).toBeUndefined();
  });
});
