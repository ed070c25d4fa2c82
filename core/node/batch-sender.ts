/**
 * Batches outgoing messages per peer: everything queued while the previous send is in flight (or in
 * the same turn of the event loop) leaves as one ZeroMQ multipart message. ZeroMQ sockets allow one send at a time, so
 * one loop drains the queues.
 */

import type { EncodedValue } from '../codec.js';
import { createLogger } from '../logger.js';
import { BatchBuilder, type WireValue } from './protocol.js';

const log = createLogger('core.transport');

/** Sends a multipart message; `peer` is the routing id, or undefined on a socket with one peer. */
export type SendFrames = (peer: string | undefined, frames: Uint8Array[]) => Promise<void>;

/** See the module comment. */
export class BatchSender<M> {
  private readonly batches = new Map<string | undefined, BatchBuilder<M>>();
  private running = false;
  private closed = false;

  /**
   * @param flush when a batch leaves: `immediate` waits for the end of the event-loop turn (a worker:
   * every task of a received batch runs first, in microtasks, so their replies leave together);
   * `microtask` leaves at the end of the current job (the node: the replies of one received batch are
   * handled synchronously, so the tasks they free up still leave together, one turn sooner).
   */
  constructor(
    private readonly sendFrames: SendFrames,
    private readonly flush: 'microtask' | 'immediate' = 'immediate',
  ) {}

  /** Queues a message for `peer`; `build` turns values into wire form inside the peer's batch. */
  push(peer: string | undefined, build: (value: (v: EncodedValue) => WireValue) => M): void {
    if (this.closed) return;
    let batch = this.batches.get(peer);
    if (batch === undefined) {
      batch = new BatchBuilder<M>();
      this.batches.set(peer, batch);
    }
    const b = batch;
    b.messages.push(build((v) => b.value(v)));
    if (!this.running) {
      this.running = true;
      // setImmediate, not a microtask: every message handled in this turn of the event loop (a whole
      // received batch of tasks or replies) joins the same outgoing batch.
      if (this.flush === 'immediate') setImmediate(() => void this.drain());
      else queueMicrotask(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.batches.size > 0 && !this.closed) {
        const [peer, batch] = this.batches.entries().next().value as [string | undefined, BatchBuilder<M>];
        this.batches.delete(peer);
        try {
          await this.sendFrames(peer, batch.finish());
        } catch (error) {
          // A peer that went away (worker died) is handled by the process exit path.
          log.debug(`send to ${peer ?? 'node'} failed: ${(error as Error).message}`);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Drops queued messages and stops sending. */
  close(): void {
    this.closed = true;
    this.batches.clear();
  }

  /** Resolves once every queued batch was handed to ZeroMQ. */
  async flushed(): Promise<void> {
    while (this.running || this.batches.size > 0) await new Promise((r) => setImmediate(r));
  }
}
