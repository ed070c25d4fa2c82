/**
 * Checkpoint form of an off-policy iteration's replay data: the buffer's columns (and priorities) and
 * the n-step accumulators' waiting steps go to typed-array blobs, everything else to JSON
 * ({@link IterationState}). Restoring validates through the buffers' own `setState`.
 */
import type { IterationState } from '../algorithm.js';
import type { PrioritizedReplayBuffer } from '../buffers/prioritized-replay-buffer.js';
import type { ReplayBuffer, ReplayBufferState } from '../buffers/replay-buffer.js';
import type { NStepAccumulator, NStepAccumulatorState } from '../postprocessing/n-step-accumulator.js';
import type { ColumnArray } from '../sample-batch/columns.js';

type Blob = IterationState['arrays'][number];
type BlobData = Blob['data'];

const ACC_ARRAYS = ['waitObs', 'waitActions', 'waitRewards', 'waitHead', 'waitCount', 'lastNextObs'] as const;

function asBlobData(a: ColumnArray, where: string): BlobData {
  if (
    a instanceof Float32Array ||
    a instanceof Int32Array ||
    a instanceof Uint8Array ||
    a instanceof Float64Array
  ) {
    return a;
  }
  throw new TypeError(
    `replay state: ${where} is a ${a.constructor.name}; checkpoints hold float32, float64, int32 or uint8.`,
  );
}

/** Splits a buffer's state into JSON and blobs named `replay/<column>` (and `replay/priorities`). */
export function replayToState(buffer: ReplayBuffer | PrioritizedReplayBuffer): {
  json: unknown;
  arrays: Blob[];
} {
  const state = buffer.getState() as unknown as Record<string, unknown>;
  const prioritized = 'priorities' in state;
  const inner = (prioritized ? state['buffer'] : state) as ReplayBufferState;
  const arrays: Blob[] = [];
  const columns: Record<string, { dtype: string; shape: number[] }> = {};
  for (const [name, c] of Object.entries(inner.columns)) {
    columns[name] = { dtype: c.dtype, shape: c.shape };
    arrays.push({
      name: `replay/${name}`,
      shape: [c.data.length],
      data: asBlobData(c.data, `column ${name}`),
    });
  }
  const meta = {
    version: inner.version,
    capacity: inner.capacity,
    size: inner.size,
    nextIndex: inner.nextIndex,
    numAdded: inner.numAdded,
    columns,
  };
  if (!prioritized) return { json: { buffer: meta }, arrays };
  const p = state['priorities'] as Float64Array;
  arrays.push({ name: 'replay/priorities', shape: [p.length], data: p });
  return { json: { buffer: meta, alpha: state['alpha'], maxPriority: state['maxPriority'] }, arrays };
}

/**
 * Restores {@link replayToState}'s output into `buffer`.
 * @throws TypeError / RangeError naming the field when the state is malformed or does not fit.
 */
export function replayFromState(
  buffer: ReplayBuffer | PrioritizedReplayBuffer,
  json: unknown,
  blobs: ReadonlyMap<string, BlobData>,
): void {
  if (typeof json !== 'object' || json === null) throw new TypeError('replay state: json must be an object.');
  const j = json as Record<string, unknown>;
  const meta = j['buffer'] as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null)
    throw new TypeError('replay state: json.buffer must be an object.');
  const cols = meta['columns'] as Record<string, { dtype: string; shape: number[] }> | undefined;
  if (typeof cols !== 'object' || cols === null)
    throw new TypeError('replay state: json.buffer.columns must be an object.');
  const columns: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(cols)) {
    const data = blobs.get(`replay/${name}`);
    if (data === undefined)
      throw new RangeError(`replay state: the checkpoint has no blob 'replay/${name}'.`);
    columns[name] = { dtype: c.dtype, shape: c.shape, data };
  }
  const inner = { ...meta, columns };
  if (!('priorities' in buffer.getState())) {
    buffer.setState(inner);
    return;
  }
  const priorities = blobs.get('replay/priorities');
  if (priorities === undefined) {
    throw new RangeError(
      'replay state: the buffer is prioritized but the checkpoint has no replay/priorities blob.',
    );
  }
  buffer.setState({ buffer: inner, alpha: j['alpha'], maxPriority: j['maxPriority'], priorities });
}

/** Splits an accumulator's state into JSON and blobs named `<prefix>/<field>`. */
export function accumulatorToState(acc: NStepAccumulator, prefix: string): { json: unknown; arrays: Blob[] } {
  const s = acc.getState();
  if (s.ready.count !== 0) throw new Error('accumulatorToState: drain the accumulator before saving it.');
  const arrays = ACC_ARRAYS.map((k) => ({ name: `${prefix}/${k}`, shape: [s[k].length], data: s[k] }));
  return {
    json: {
      version: s.version,
      numEnvs: s.numEnvs,
      obsSize: s.obsSize,
      actionWidth: s.actionWidth,
      nStep: s.nStep,
      gamma: s.gamma,
    },
    arrays,
  };
}

/**
 * Restores {@link accumulatorToState}'s output into `acc` (with nothing ready to drain).
 * @throws TypeError / RangeError as {@link NStepAccumulator.setState}.
 */
export function accumulatorFromState(
  acc: NStepAccumulator,
  json: unknown,
  blobs: ReadonlyMap<string, BlobData>,
  prefix: string,
): void {
  if (typeof json !== 'object' || json === null) throw new TypeError(`${prefix}: state must be an object.`);
  const state: Record<string, unknown> = {
    ...(json as Record<string, unknown>),
    ready: acc.getState().ready,
  };
  for (const k of ACC_ARRAYS) state[k] = blobs.get(`${prefix}/${k}`);
  acc.setState(state as unknown as NStepAccumulatorState);
}
