// Greyscale PNGs with known pixels for the engine tests and scripts/gpu/check.ts (no dependencies).
import { crc32, deflateSync } from 'node:zlib';

/** A greyscale PNG (8 or 16 bit) of the given samples; filter type 0 on every row. */
export function encodePng(
  width: number,
  height: number,
  samples: Uint16Array | Uint8Array,
  bitDepth: 8 | 16 = 16,
): Uint8Array {
  const bpp = bitDepth / 8;
  const raw = Buffer.alloc((width * bpp + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * bpp + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const v = samples[y * width + x];
      if (bitDepth === 16) raw.writeUInt16BE(v, row + 1 + x * 2);
      else raw[row + 1 + x] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = 0; // greyscale
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

/** A smooth 16-bit test pattern with a bright blob, so every model output varies across the image. */
export function pattern16(width: number, height: number, seed = 1): Uint16Array {
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = 8000 + 20000 * (x / width) + 10000 * Math.sin((y + seed) / 5);
      const blob = 25000 * Math.exp(-((x - width * 0.3) ** 2 + (y - height * 0.6) ** 2) / (0.02 * width * height));
      out[y * width + x] = Math.max(0, Math.min(65535, Math.round(base + blob)));
    }
  }
  return out;
}
