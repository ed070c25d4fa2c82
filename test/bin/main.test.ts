import { describe, expect, it } from 'vitest';
import { ALGORITHMS } from '../../algorithms/index.js';
import { ALGORITHM_NAMES } from '../../bin/main.js';

describe('bin/main', () => {
  it('offers --algo exactly the registered algorithms', () => {
    expect([...ALGORITHM_NAMES].sort()).toEqual(Object.keys(ALGORITHMS).sort());
  });
});
