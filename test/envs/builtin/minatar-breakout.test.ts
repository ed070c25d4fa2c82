import { describe, expect, it } from 'vitest';
import { advance, breakoutState, MinAtarBreakoutEnv } from '../../../envs/builtin/minatar-breakout.js';
import { checkEnv } from '../../../envs/check-env.js';

const cell = (obs: Float32Array, y: number, x: number, c: number) => obs[(y * 10 + x) * 4 + c];

describe('MinAtar Breakout rules (Young & Tian 2019)', () => {
  it('starts with the ball in row 3 at a side wall, the paddle at column 4 and 3 rows of bricks', () => {
    const env = new MinAtarBreakoutEnv();
    const { obs } = env.reset({ seed: 0 });
    expect(obs.length).toBe(400);
    expect(cell(obs, 9, 4, 0)).toBe(1);
    const ballX = cell(obs, 3, 0, 1) === 1 ? 0 : 9;
    expect(cell(obs, 3, ballX, 1)).toBe(1);
    let bricks = 0;
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) bricks += cell(obs, y, x, 3)!;
    expect(bricks).toBe(30);
    for (let x = 0; x < 10; x++) expect(cell(obs, 1, x, 3)).toBe(1);
  });

  it('reflects off a side wall and moves only along diagonals', () => {
    const s = breakoutState(0, 5, 3, 4); // down-left at the left wall
    advance(s, 0);
    expect([s.ballX, s.ballY, s.ballDir]).toEqual([0, 6, 2]); // now down-right
    advance(s, 0);
    expect([s.ballX, s.ballY]).toEqual([1, 7]);
  });

  it('breaks a brick for +1, reflects the ball and keeps it in its row', () => {
    const s = breakoutState(5, 4, 0, 4); // up-left, the brick at (4, 3) is next
    expect(advance(s, 0)).toBe(1);
    expect(s.bricks[3 * 10 + 4]).toBe(0);
    expect([s.ballX, s.ballY, s.ballDir]).toEqual([4, 4, 3]); // reflected to down-left
  });

  it('bounces off the paddle: straight back over its centre, to the other side off its edge', () => {
    const centre = breakoutState(4, 8, 2, 4); // ball above the paddle, moving down-right
    advance(centre, 0);
    expect(centre.ballDir).toBe(1); // up-right
    expect(centre.terminated).toBe(false);
    const edge = breakoutState(3, 8, 2, 4); // will land on the paddle's cell from the left
    advance(edge, 0);
    expect(edge.ballDir).toBe(0); // up-left: reflected in both directions
    expect(edge.terminated).toBe(false);
  });

  it('terminates when the ball reaches the bottom row away from the paddle, and refills a cleared wall', () => {
    const s = breakoutState(1, 8, 2, 8);
    s.bricks.fill(0);
    advance(s, 0);
    expect(s.terminated).toBe(true);
    expect(s.bricks.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('moves the paddle left and right within the grid', () => {
    const s = breakoutState(5, 3, 0, 0);
    advance(s, 1);
    expect(s.paddle).toBe(0);
    advance(s, 2);
    expect(s.paddle).toBe(1);
  });

  it('repeats the previous action with the sticky probability', () => {
    const env = new MinAtarBreakoutEnv({ stickyActionProb: 0.5 });
    env.reset({ seed: 3 });
    env.step(2); // from column 4 (or sticky no-op)
    let repeats = 0;
    for (let i = 0; i < 200; i++) {
      env.reset({ seed: 100 + i });
      env.step(2);
      const { obs } = env.step(1);
      // Without stickiness the paddle ends at 4 (right then left); with it at 5 or 3/4.
      if (cell(obs, 9, 4, 0) !== 1) repeats++;
    }
    expect(repeats).toBeGreaterThan(60);
    expect(repeats).toBeLessThan(140);
    expect(() => new MinAtarBreakoutEnv({ stickyActionProb: 1 })).toThrow(
      /stickyActionProb \(number 1\) must be in \[0, 1\)/,
    );
  });

  it('passes the env checker and a random policy breaks about one brick per episode', async () => {
    const env = new MinAtarBreakoutEnv({ stickyActionProb: 0 });
    await checkEnv(env);
    let total = 0;
    const episodes = 50;
    for (let e = 0; e < episodes; e++) {
      env.reset({ seed: e });
      for (let t = 0; t < 10_000; t++) {
        const r = env.step((e * 7 + t * 13) % 3);
        total += r.reward;
        if (r.terminated || r.truncated) break;
      }
    }
    expect(total / episodes).toBeGreaterThan(0);
    expect(total / episodes).toBeLessThan(3);
  });
});
