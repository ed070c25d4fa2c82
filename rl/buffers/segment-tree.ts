/**
 * Sum and min segment trees over Float64Array, the index structures of proportional prioritized replay
 * (Schaul et al. 2016, "Prioritized Experience Replay", https://arxiv.org/abs/1511.05952, appendix B.2.1:
 * "a 'sum-tree' data structure ... O(log N) updates and sampling").
 *
 * Layout: a complete binary tree stored in one array of 2 * size nodes, size = capacity rounded up to
 * a power of two; node 1 is the root, node k has children 2k and 2k+1, leaf i is node size + i.
 * Leaves past `capacity` hold the operation's neutral value (0 for sum, +Infinity for min).
 */

function treeSize(capacity: number, what: string): number {
  if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 2 ** 30) {
    throw new RangeError(`${what}: capacity (${String(capacity)}) must be an integer in [1, 2^30].`);
  }
  let size = 1;
  while (size < capacity) size *= 2;
  return size;
}

function checkIndex(what: string, i: number, capacity: number): void {
  if (!(Number.isInteger(i) && i >= 0 && i < capacity)) {
    throw new RangeError(`${what}: index (${i}) must be an integer in [0, ${capacity}).`);
  }
}

/** A segment tree of sums over `capacity` non-negative leaves. */
export class SumSegmentTree {
  /** Number of leaves. */
  readonly capacity: number;
  private readonly size: number;
  /** [2 * size] nodes; node 0 unused. */
  private readonly nodes: Float64Array;

  /**
   * A tree of `capacity` zero leaves.
   * @throws RangeError when `capacity` is not an integer in [1, 2^30].
   */
  constructor(capacity: number) {
    this.size = treeSize(capacity, 'SumSegmentTree');
    this.capacity = capacity;
    this.nodes = new Float64Array(2 * this.size);
  }

  /** Bytes held by the node array. */
  get memoryBytes(): number {
    return this.nodes.byteLength;
  }

  /** The sum of all leaves, O(1). */
  total(): number {
    return this.nodes[1]!;
  }

  /**
   * Leaf i.
   * @throws RangeError when `i` is outside [0, capacity).
   */
  get(i: number): number {
    checkIndex('SumSegmentTree.get', i, this.capacity);
    return this.nodes[this.size + i]!;
  }

  /**
   * Sets leaf i to `value` and updates its ancestors, O(log n).
   * @throws RangeError when `i` is outside [0, capacity) or `value` is negative or not finite.
   */
  set(i: number, value: number): void {
    checkIndex('SumSegmentTree.set', i, this.capacity);
    if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`SumSegmentTree.set: value (${value}) at index ${i} must be finite and >= 0.`);
    }
    let k = this.size + i;
    this.nodes[k] = value;
    for (k >>= 1; k >= 1; k >>= 1) this.nodes[k] = this.nodes[2 * k]! + this.nodes[2 * k + 1]!;
  }

  /**
   * The sum of leaves [start, end), O(log n).
   * @throws RangeError when the range is outside [0, capacity].
   */
  sum(start = 0, end: number = this.capacity): number {
    if (
      !(
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        start >= 0 &&
        start <= end &&
        end <= this.capacity
      )
    ) {
      throw new RangeError(
        `SumSegmentTree.sum: range [${start}, ${end}) must lie within [0, ${this.capacity}].`,
      );
    }
    let acc = 0;
    let lo = start + this.size;
    let hi = end + this.size;
    while (lo < hi) {
      if (lo & 1) acc += this.nodes[lo++]!;
      if (hi & 1) acc += this.nodes[--hi]!;
      lo >>= 1;
      hi >>= 1;
    }
    return acc;
  }

  /**
   * The smallest leaf index i whose prefix sum (leaves 0..i inclusive) exceeds `mass`, O(log n): drawing
   * `mass` uniformly from [0, total) picks leaf i with probability leaf_i / total. Leaves of value 0 are
   * never returned; a `mass` at or above the total (floating-point rounding) gives the last positive leaf.
   * @throws RangeError when the total is 0 or `mass` is negative or NaN.
   */
  findPrefixSumIndex(mass: number): number {
    if (!(mass >= 0)) throw new RangeError(`SumSegmentTree.findPrefixSumIndex: mass (${mass}) must be >= 0.`);
    if (!(this.total() > 0)) {
      throw new RangeError(
        'SumSegmentTree.findPrefixSumIndex: the tree is empty (total mass 0); add priorities first.',
      );
    }
    let k = 1;
    while (k < this.size) {
      const left = 2 * k;
      // Go right only when the mass lies past the left subtree and the right one has mass to land on.
      if (mass < this.nodes[left]! || !(this.nodes[left + 1]! > 0)) {
        k = left;
      } else {
        mass -= this.nodes[left]!;
        k = left + 1;
      }
    }
    return k - this.size;
  }

  /** The leaves [0, capacity) as a copy, for checkpoints. */
  leaves(): Float64Array {
    return this.nodes.slice(this.size, this.size + this.capacity);
  }

  /**
   * Replaces all leaves and rebuilds the tree in O(n).
   * @throws RangeError when the length differs from capacity or a value is negative or not finite.
   */
  setLeaves(values: ArrayLike<number>): void {
    if (values.length !== this.capacity) {
      throw new RangeError(
        `SumSegmentTree.setLeaves: got ${values.length} values; expected capacity ${this.capacity}.`,
      );
    }
    for (let i = 0; i < this.capacity; i++) {
      const v = values[i]!;
      if (!(v >= 0 && v < Number.POSITIVE_INFINITY)) {
        throw new RangeError(`SumSegmentTree.setLeaves: value (${v}) at index ${i} must be finite and >= 0.`);
      }
      this.nodes[this.size + i] = v;
    }
    for (let k = this.size - 1; k >= 1; k--) this.nodes[k] = this.nodes[2 * k]! + this.nodes[2 * k + 1]!;
  }
}

/** A segment tree of minimums over `capacity` leaves; unset leaves are +Infinity. */
export class MinSegmentTree {
  /** Number of leaves. */
  readonly capacity: number;
  private readonly size: number;
  /** [2 * size] nodes; node 0 unused. */
  private readonly nodes: Float64Array;

  /**
   * A tree of `capacity` leaves at +Infinity.
   * @throws RangeError when `capacity` is not an integer in [1, 2^30].
   */
  constructor(capacity: number) {
    this.size = treeSize(capacity, 'MinSegmentTree');
    this.capacity = capacity;
    this.nodes = new Float64Array(2 * this.size).fill(Number.POSITIVE_INFINITY);
  }

  /** Bytes held by the node array. */
  get memoryBytes(): number {
    return this.nodes.byteLength;
  }

  /**
   * Leaf i.
   * @throws RangeError when `i` is outside [0, capacity).
   */
  get(i: number): number {
    checkIndex('MinSegmentTree.get', i, this.capacity);
    return this.nodes[this.size + i]!;
  }

  /**
   * Sets leaf i (use +Infinity to clear it) and updates its ancestors, O(log n).
   * @throws RangeError when `i` is outside [0, capacity) or `value` is NaN.
   */
  set(i: number, value: number): void {
    checkIndex('MinSegmentTree.set', i, this.capacity);
    if (Number.isNaN(value)) throw new RangeError(`MinSegmentTree.set: value at index ${i} is NaN.`);
    let k = this.size + i;
    this.nodes[k] = value;
    for (k >>= 1; k >= 1; k >>= 1) this.nodes[k] = Math.min(this.nodes[2 * k]!, this.nodes[2 * k + 1]!);
  }

  /**
   * The minimum of leaves [start, end) (+Infinity for an empty range), O(log n).
   * @throws RangeError when the range is outside [0, capacity].
   */
  min(start = 0, end: number = this.capacity): number {
    if (
      !(
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        start >= 0 &&
        start <= end &&
        end <= this.capacity
      )
    ) {
      throw new RangeError(
        `MinSegmentTree.min: range [${start}, ${end}) must lie within [0, ${this.capacity}].`,
      );
    }
    if (start === 0 && end === this.capacity) return this.nodes[1]!;
    let acc = Number.POSITIVE_INFINITY;
    let lo = start + this.size;
    let hi = end + this.size;
    while (lo < hi) {
      if (lo & 1) acc = Math.min(acc, this.nodes[lo++]!);
      if (hi & 1) acc = Math.min(acc, this.nodes[--hi]!);
      lo >>= 1;
      hi >>= 1;
    }
    return acc;
  }

  /**
   * Replaces all leaves and rebuilds the tree in O(n).
   * @throws RangeError when the length differs from capacity or a value is NaN.
   */
  setLeaves(values: ArrayLike<number>): void {
    if (values.length !== this.capacity) {
      throw new RangeError(
        `MinSegmentTree.setLeaves: got ${values.length} values; expected capacity ${this.capacity}.`,
      );
    }
    for (let i = 0; i < this.capacity; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) throw new RangeError(`MinSegmentTree.setLeaves: value at index ${i} is NaN.`);
      this.nodes[this.size + i] = v;
    }
    for (let k = this.size - 1; k >= 1; k--)
      this.nodes[k] = Math.min(this.nodes[2 * k]!, this.nodes[2 * k + 1]!);
  }
}
