/**
 * Z85, the ZeroMQ text encoding of binary keys (https://rfc.zeromq.org/spec/32/): every 4 bytes become
 * 5 characters of an 85-character alphabet. CURVE keys are 32 bytes, 40 characters in Z85.
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

/** Encodes bytes (length a multiple of 4) as Z85. @throws RangeError on another length */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`z85: ${bytes.length} bytes is not a multiple of 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = view.getUint32(i);
    const chunk: string[] = [];
    for (let k = 0; k < 5; k++) {
      chunk.unshift(ALPHABET[v % 85] ?? '');
      v = Math.floor(v / 85);
    }
    out += chunk.join('');
  }
  return out;
}

/** Decodes Z85 text; undefined when the text is not valid Z85 (bad length, character or value). */
export function z85Decode(text: string): Uint8Array | undefined {
  if (text.length % 5 !== 0) return undefined;
  const out = new Uint8Array((text.length / 5) * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < text.length; i += 5) {
    let v = 0;
    for (let k = 0; k < 5; k++) {
      const d = DECODE.get(text[i + k] ?? '');
      if (d === undefined) return undefined;
      v = v * 85 + d;
    }
    if (v > 0xffffffff) return undefined;
    view.setUint32((i / 5) * 4, v);
  }
  return out;
}
