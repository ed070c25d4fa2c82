/**
 * An animated GIF of rgb(a) frames (an episode rendered by the env, `rl evaluate --render`), encoded
 * with gifenc: a 256-colour palette quantized per frame, looping forever.
 */
import * as gifencModule from 'gifenc';

// gifenc ships CommonJS (`main`) and ESM (`module`): plain Node's ESM import of the CommonJS build
// puts the API under `default`, bundlers (vitest) resolve the ESM build with named exports.
const gifenc: typeof gifencModule =
  'GIFEncoder' in gifencModule && typeof gifencModule.GIFEncoder === 'function'
    ? gifencModule
    : (gifencModule as unknown as { default: typeof gifencModule }).default;

/** One frame: row-major pixels [height, width, channels], 3 (RGB) or 4 (RGBA) channels. */
export interface RgbFrame {
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: 3 | 4;
}

/**
 * The GIF file's bytes.
 * @throws RangeError when there are no frames, the frames differ in size, or a frame's pixel count
 *   does not match its shape.
 */
export function encodeGif(frames: readonly RgbFrame[], fps: number): Uint8Array {
  const first = frames[0];
  if (first === undefined) throw new RangeError('encodeGif: no frames');
  const gif = gifenc.GIFEncoder();
  // GIF delays are in hundredths of a second; gifenc takes ms and rounds them to that.
  const delay = Math.round(1000 / fps);
  const rgba = new Uint8Array(first.width * first.height * 4);
  frames.forEach((f, i) => {
    if (f.width !== first.width || f.height !== first.height)
      throw new RangeError(
        `encodeGif: frame ${i} is ${f.width}x${f.height}, the first ${first.width}x${first.height}`,
      );
    if (f.pixels.length !== f.width * f.height * f.channels)
      throw new RangeError(
        `encodeGif: frame ${i} has ${f.pixels.length} bytes for ${f.width}x${f.height}x${f.channels}`,
      );
    // gifenc quantizes RGBA: widen RGB frames with an opaque alpha.
    for (let p = 0, q = 0; p < f.width * f.height; p++, q += f.channels) {
      rgba[p * 4] = f.pixels[q]!;
      rgba[p * 4 + 1] = f.pixels[q + 1]!;
      rgba[p * 4 + 2] = f.pixels[q + 2]!;
      rgba[p * 4 + 3] = f.channels === 4 ? f.pixels[q + 3]! : 255;
    }
    const palette = gifenc.quantize(rgba, 256);
    gif.writeFrame(gifenc.applyPalette(rgba, palette), f.width, f.height, { palette, delay, repeat: 0 });
  });
  gif.finish();
  return gif.bytes();
}
