/**
 * The sample calls of runner actors: a synchronous round (one sample from every runner, in runner
 * order) or an asynchronous one (every runner keeps one call in flight; a round returns the samples
 * that are ready, resubmitting those runners at once, RLlib's `sample_async`-style off-policy
 * sampling). Samples read while draining for a checkpoint are kept for the next round.
 */
import { type ObjectRef, wait } from '../../core/index.js';
import type { RoundSample } from './sample-round.js';

/** A runner's sample whose metadata was read here; its rows stay in the object store. */
export type FetchedSample = RoundSample;

/** How {@link ActorSampleCalls} starts and reads a runner's call (the group's submit and fetch). */
export interface SampleCallPorts {
  readonly numRunners: number;
  readonly timeoutMs: number;
  /** Starts a sample call on runner i. */
  submit(i: number): ObjectRef<unknown>;
  /** Reads runner i's call (restarting the runner and asking again on failure). */
  fetch(i: number, ref: ObjectRef<unknown>): Promise<FetchedSample>;
}

/** The calls in flight and the drained samples of a group's runner actors (see the module comment). */
export class ActorSampleCalls {
  private readonly inFlight: (ObjectRef<unknown> | undefined)[];
  private drained: FetchedSample[] = [];

  constructor(private readonly ports: SampleCallPorts) {
    this.inFlight = new Array<ObjectRef<unknown> | undefined>(ports.numRunners).fill(undefined);
  }

  /** One sample from every runner, in runner order. */
  async syncRound(): Promise<FetchedSample[]> {
    const drained = this.takeDrained();
    const pending = this.inFlight.map((ref, i) =>
      drained.has(i) ? Promise.resolve(drained.get(i)!) : this.ports.fetch(i, ref ?? this.ports.submit(i)),
    );
    this.inFlight.fill(undefined);
    return Promise.all(pending);
  }

  /** The samples that are ready (at least one), in runner order; their runners are resubmitted. */
  async asyncRound(): Promise<FetchedSample[]> {
    const { ports } = this;
    const drained = [...this.takeDrained().values()];
    for (let i = 0; i < ports.numRunners; i++) {
      if (this.inFlight[i] === undefined && !drained.some((d) => d.index === i))
        this.inFlight[i] = ports.submit(i);
    }
    const waiting = this.inFlight.filter((r): r is ObjectRef<unknown> => r !== undefined);
    let ready: ObjectRef<unknown>[] = [];
    if (drained.length === 0 && waiting.length > 0) {
      await wait(waiting, { numReturns: 1, timeoutMs: ports.timeoutMs });
      ready = (await wait(waiting, { numReturns: waiting.length, timeoutMs: 0 })).ready;
      // Nothing within the timeout: fetch the first, which times out and restarts that runner.
      if (ready.length === 0) ready = [waiting[0]!];
    }
    const indexes = ready.map((r) => this.inFlight.indexOf(r));
    for (const i of indexes) this.inFlight[i] = undefined;
    const fetched = await Promise.all(indexes.map((i, k) => ports.fetch(i, ready[k]!)));
    const all = [...drained, ...fetched].sort((a, b) => a.index - b.index);
    // Resubmit at once: these runners sample while the driver learns on what just arrived.
    for (const s of all) this.inFlight[s.index] = ports.submit(s.index);
    return all;
  }

  /** Waits for the calls in flight, keeps their samples for the next round and returns them. */
  async drain(): Promise<FetchedSample[]> {
    const pending = this.inFlight.flatMap((ref, index) => (ref === undefined ? [] : [{ ref, index }]));
    this.inFlight.fill(undefined);
    const fetched = await Promise.all(pending.map((p) => this.ports.fetch(p.index, p.ref)));
    this.drained.push(...fetched);
    return fetched;
  }

  private takeDrained(): Map<number, FetchedSample> {
    const out = new Map(this.drained.map((d) => [d.index, d]));
    this.drained = [];
    return out;
  }
}
