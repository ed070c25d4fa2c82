/**
 * One send at a time: a ZeroMQ socket refuses a second send while one is in flight, so sends are
 * chained. A failed send is logged and does not stop the ones after it.
 */
import { createLogger } from '../logger.js';

const log = createLogger('cluster');

/** Serialises sends on one socket. */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly send: (frames: Uint8Array[]) => Promise<void>) {}

  /** Queues `frames`; resolves once they are handed to ZeroMQ (never rejects). */
  push(frames: Uint8Array[]): Promise<void> {
    this.tail = this.tail.then(() =>
      this.send(frames).catch((err: unknown) => {
        log.debug(`send failed: ${(err as Error).message}`);
      }),
    );
    return this.tail;
  }
}
