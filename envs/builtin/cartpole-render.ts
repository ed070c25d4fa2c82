/**
 * CartPole's rgb_array frame, laid out as Gymnasium draws it (gymnasium/envs/classic_control/
 * cartpole.py, `render`): 600 x 400, the world 2 * x_threshold wide, a black 50 x 30 cart whose top is
 * 100 px above the bottom, a 10 px wide pole of length 2 * pole half-length (scaled) in (202, 152, 101)
 * from an axle (129, 132, 203) a quarter of the cart's height above its centre line, and the track
 * as a black line. Filled shapes without anti-aliasing.
 */
import type { RgbFrame } from '../env.js';

const WIDTH = 600;
const HEIGHT = 400;
const POLE_WIDTH = 10;
const CART_WIDTH = 50;
const CART_HEIGHT = 30;
const CART_Y = 100;
const POLE_COLOR = [202, 152, 101] as const;
const AXLE_COLOR = [129, 132, 203] as const;

/**
 * The frame of cart position `x` and pole angle `theta` (radians, 0 upright, positive leaning right).
 * `xThreshold` and `poleHalfLength` are the env's (2.4 and 0.5 m in CartPole-v1).
 */
export function drawCartPole(x: number, theta: number, xThreshold: number, poleHalfLength: number): RgbFrame {
  const pixels = new Uint8Array(WIDTH * HEIGHT * 3).fill(255);
  const scale = WIDTH / (2 * xThreshold);
  const poleLength = scale * 2 * poleHalfLength;
  const cartX = x * scale + WIDTH / 2;
  const axleY = CART_Y + CART_HEIGHT / 4;
  // Coordinates with y up from the bottom edge (as Gymnasium draws before flipping the surface).
  const paint = (px: number, py: number, color: readonly number[]): void => {
    const row = HEIGHT - 1 - py;
    if (px < 0 || px >= WIDTH || row < 0 || row >= HEIGHT) return;
    const o = (row * WIDTH + px) * 3;
    pixels[o] = color[0]!;
    pixels[o + 1] = color[1]!;
    pixels[o + 2] = color[2]!;
  };
  for (let px = 0; px < WIDTH; px++) paint(px, CART_Y, [0, 0, 0]);
  for (let py = Math.ceil(CART_Y - CART_HEIGHT / 2); py <= CART_Y + CART_HEIGHT / 2; py++) {
    for (let px = Math.ceil(cartX - CART_WIDTH / 2); px <= cartX + CART_WIDTH / 2; px++)
      paint(px, py, [0, 0, 0]);
  }
  // The pole: points whose coordinates, rotated back by theta about the axle, fall in the upright
  // rectangle [-w/2, w/2] x [-w/2, length - w/2].
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const reach = poleLength + POLE_WIDTH;
  for (let py = Math.floor(axleY - reach); py <= axleY + reach; py++) {
    for (let px = Math.floor(cartX - reach); px <= cartX + reach; px++) {
      const dx = px - cartX;
      const dy = py - axleY;
      const across = dx * cos - dy * sin;
      const along = dx * sin + dy * cos;
      if (
        Math.abs(across) <= POLE_WIDTH / 2 &&
        along >= -POLE_WIDTH / 2 &&
        along <= poleLength - POLE_WIDTH / 2
      )
        paint(px, py, POLE_COLOR);
    }
  }
  const r = POLE_WIDTH / 2;
  const ax = Math.trunc(cartX);
  const ay = Math.trunc(axleY);
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r) paint(ax + dx, ay + dy, AXLE_COLOR);
  }
  return { pixels, height: HEIGHT, width: WIDTH, channels: 3 };
}
