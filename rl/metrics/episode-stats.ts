/**
 * A window over the last N finished episodes (a ring of returns and lengths) plus lifetime counts:
 * `episodeReturnMean` and `episodeLenMean` in results are means over this window (RLlib's
 * `metrics_num_episodes_for_smoothing`, SB3's `ep_info_buffer` of 100).
 */

/** JSON-serialisable state of an {@link EpisodeStats}, saved in checkpoints. */
export interface EpisodeStatsState {
  readonly windowEpisodes: number;
  /** Lifetime finished episodes. */
  readonly episodes: number;
  /** The window's returns and lengths, oldest first. */
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
}

/** The window of finished episodes. */
export class EpisodeStats {
  /** Capacity of the window. */
  readonly windowEpisodes: number;
  private readonly returnsRing: Float64Array;
  private readonly lengthsRing: Float64Array;
  private next = 0;
  private size = 0;
  private lifetime = 0;

  /**
   * @param windowEpisodes episodes kept for the means (`metrics.windowEpisodes`).
   * @throws RangeError when `windowEpisodes` is not a positive integer.
   */
  constructor(windowEpisodes: number) {
    if (!Number.isInteger(windowEpisodes) || windowEpisodes < 1) {
      throw new RangeError(
        `EpisodeStats: windowEpisodes (${String(windowEpisodes)}) must be an integer >= 1.`,
      );
    }
    this.windowEpisodes = windowEpisodes;
    this.returnsRing = new Float64Array(windowEpisodes);
    this.lengthsRing = new Float64Array(windowEpisodes);
  }

  /**
   * Records one finished episode.
   * @throws RangeError when `episodeReturn` is not finite or `length` is not a positive integer.
   */
  add(episodeReturn: number, length: number): void {
    if (!Number.isFinite(episodeReturn)) {
      throw new RangeError(`EpisodeStats.add: episodeReturn (${String(episodeReturn)}) must be finite.`);
    }
    if (!Number.isInteger(length) || length < 1) {
      throw new RangeError(`EpisodeStats.add: length (${String(length)}) must be an integer >= 1.`);
    }
    this.returnsRing[this.next] = episodeReturn;
    this.lengthsRing[this.next] = length;
    this.next = (this.next + 1) % this.windowEpisodes;
    this.size = Math.min(this.size + 1, this.windowEpisodes);
    this.lifetime++;
  }

  /**
   * Records several episodes (e.g. a sample batch's finished episodes), in order.
   * @throws RangeError when the arrays differ in length or hold invalid values.
   */
  addMany(returns: ArrayLike<number>, lengths: ArrayLike<number>): void {
    if (returns.length !== lengths.length) {
      throw new RangeError(
        `EpisodeStats.addMany: returns (${returns.length}) and lengths (${lengths.length}) must have the same length.`,
      );
    }
    for (let i = 0; i < returns.length; i++) this.add(returns[i]!, lengths[i]!);
  }

  /** Lifetime finished episodes. */
  get episodes(): number {
    return this.lifetime;
  }

  /** Episodes now in the window (at most `windowEpisodes`). */
  get windowSize(): number {
    return this.size;
  }

  /** Mean return over the window, or null before the first episode. */
  get returnMean(): number | null {
    return this.mean(this.returnsRing);
  }

  /** Mean length over the window, or null before the first episode. */
  get lenMean(): number | null {
    return this.mean(this.lengthsRing);
  }

  /** Smallest and largest return in the window, or null before the first episode. */
  get returnMin(): number | null {
    return this.size === 0 ? null : Math.min(...this.window(this.returnsRing));
  }

  /** Largest return in the window, or null before the first episode. */
  get returnMax(): number | null {
    return this.size === 0 ? null : Math.max(...this.window(this.returnsRing));
  }

  /** The state for a checkpoint. */
  state(): EpisodeStatsState {
    return {
      windowEpisodes: this.windowEpisodes,
      episodes: this.lifetime,
      returns: this.window(this.returnsRing),
      lengths: this.window(this.lengthsRing),
    };
  }

  /**
   * Rebuilds the window from a checkpoint; a different `windowEpisodes` keeps the newest episodes.
   * @throws RangeError when the state is inconsistent.
   */
  static fromState(state: EpisodeStatsState, windowEpisodes = state.windowEpisodes): EpisodeStats {
    const stats = new EpisodeStats(windowEpisodes);
    stats.addMany(state.returns, state.lengths);
    if (!Number.isInteger(state.episodes) || state.episodes < state.returns.length) {
      throw new RangeError(
        `EpisodeStats.fromState: episodes (${String(state.episodes)}) must be an integer >= the window's ${state.returns.length} episodes.`,
      );
    }
    stats.lifetime = state.episodes;
    return stats;
  }

  private window(ring: Float64Array): number[] {
    const out: number[] = [];
    const start = this.size < this.windowEpisodes ? 0 : this.next;
    for (let i = 0; i < this.size; i++) out.push(ring[(start + i) % this.windowEpisodes]!);
    return out;
  }

  private mean(ring: Float64Array): number | null {
    if (this.size === 0) return null;
    let sum = 0;
    for (let i = 0; i < this.size; i++) sum += ring[i]!;
    return sum / this.size;
  }
}
