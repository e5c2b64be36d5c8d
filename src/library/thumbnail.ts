import { deflateSync } from 'node:zlib';
import type { Volume } from '../volume/Volume';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit greyscale PNG of `pixels` (width x height, row by row). */
export function encodePng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8);
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++)
    raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * The middle slice, at most `size` pixels on its longer side, windowed to its 1st-99th
 * percentile so that CT and MR both show something useful. Pixels are square in mm.
 */
export function thumbnail(volume: Volume, size = 128): Uint8Array {
  const [cols, rows, slices] = volume.geometry.dimensions;
  const [sx, sy] = volume.geometry.spacing;
  const k = Math.floor(slices / 2);
  const slice = volume.voxels.subarray(k * cols * rows, (k + 1) * cols * rows);
  const sorted = Float32Array.from(slice).sort();
  const lo = sorted[Math.floor(sorted.length * 0.01)];
  const hi = sorted[Math.floor(sorted.length * 0.99)];
  const scale = size / Math.max(cols * sx, rows * sy);
  const width = Math.max(1, Math.round(cols * sx * scale));
  const height = Math.max(1, Math.round(rows * sy * scale));
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = Math.min(cols - 1, Math.floor(((x + 0.5) * cols) / width));
      const j = Math.min(rows - 1, Math.floor(((y + 0.5) * rows) / height));
      const v = (slice[j * cols + i] - lo) / (hi - lo || 1);
      out[y * width + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  return encodePng(out, width, height);
}
