import { inflateSync } from 'node:zlib';

export interface Rgba {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row by row */
  data: Uint8Array;
}

/**
 * Decodes the 8-bit RGB or RGBA, non-interlaced PNGs that Chromium's screenshots are, so tests
 * can look at pixels without an image library.
 */
export function decodePng(png: Buffer): Rgba {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [bitDepth, colorType, , , interlace] = body.subarray(8, 13);
      if (bitDepth !== 8 || interlace !== 0 || (colorType !== 2 && colorType !== 6)) {
        throw new Error(`unsupported PNG: depth ${bitDepth}, colour type ${colorType}`);
      }
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prior = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (out[x - channels] ?? 0) : 0;
      const b = prior[x] ?? 0;
      const c = x >= channels ? (prior[x - channels] ?? 0) : 0;
      const value = line[x] ?? 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[x] = (value + predicted) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = pixels[i * channels] ?? 0;
    data[i * 4 + 1] = pixels[i * channels + 1] ?? 0;
    data[i * 4 + 2] = pixels[i * channels + 2] ?? 0;
    data[i * 4 + 3] = channels === 4 ? (pixels[i * channels + 3] ?? 255) : 255;
  }
  return { width, height, data };
}

/** Mean and standard deviation of luminance, and the share of pixels brighter than 20/255. */
export function luminanceStats(image: Rgba): { mean: number; std: number; lit: number } {
  let sum = 0;
  let sumSquares = 0;
  let lit = 0;
  const count = image.width * image.height;
  for (let i = 0; i < count; i++) {
    const y =
      0.299 * (image.data[i * 4] ?? 0) +
      0.587 * (image.data[i * 4 + 1] ?? 0) +
      0.114 * (image.data[i * 4 + 2] ?? 0);
    sum += y;
    sumSquares += y * y;
    if (y > 20) lit++;
  }
  const mean = sum / count;
  return { mean, std: Math.sqrt(Math.max(0, sumSquares / count - mean * mean)), lit: lit / count };
}

/**
 * Mean absolute difference per channel between two images, over their centred common area (views
 * side by side can differ by a pixel in size).
 */
export function meanDifference(a: Rgba, b: Rgba): number {
  const width = Math.min(a.width, b.width);
  const height = Math.min(a.height, b.height);
  const offset = (image: Rgba) => ({
    x: Math.floor((image.width - width) / 2),
    y: Math.floor((image.height - height) / 2),
  });
  const oa = offset(a);
  const ob = offset(b);
  let sum = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ia = ((y + oa.y) * a.width + x + oa.x) * 4;
      const ib = ((y + ob.y) * b.width + x + ob.x) * 4;
      for (let c = 0; c < 3; c++) sum += Math.abs((a.data[ia + c] ?? 0) - (b.data[ib + c] ?? 0));
    }
  }
  return sum / (width * height * 3);
}

/**
 * Pixels that became clearly redder than they were: where the overlay (a red labelmap over a grey
 * image) now lies.
 */
export function reddenedPixels(before: Rgba, after: Rgba): number {
  if (before.width !== after.width || before.height !== after.height) {
    throw new Error('the screenshots differ in size');
  }
  let count = 0;
  for (let i = 0; i < after.data.length; i += 4) {
    const redness = (d: Uint8Array) => (d[i] ?? 0) - ((d[i + 1] ?? 0) + (d[i + 2] ?? 0)) / 2;
    if (redness(after.data) - redness(before.data) > 25) count++;
  }
  return count;
}

/** Pixels whose colour changed by more than 30 (sum over R, G, B). */
export function changedPixels(a: Rgba, b: Rgba): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('the images differ in size');
  let count = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    let difference = 0;
    for (let c = 0; c < 3; c++) difference += Math.abs((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0));
    if (difference > 30) count++;
  }
  return count;
}

/** Where pixels became redder: their count, centroid and bounding box (pixels of the image). */
export function reddenedRegion(
  before: Rgba,
  after: Rgba,
): {
  count: number;
  x: number;
  y: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
} {
  if (before.width !== after.width || before.height !== after.height) {
    throw new Error('the screenshots differ in size');
  }
  let count = 0;
  let sx = 0;
  let sy = 0;
  let left = Infinity;
  let right = -Infinity;
  let top = Infinity;
  let bottom = -Infinity;
  for (let i = 0; i < after.data.length; i += 4) {
    const redness = (d: Uint8Array) => (d[i] ?? 0) - ((d[i + 1] ?? 0) + (d[i + 2] ?? 0)) / 2;
    if (redness(after.data) - redness(before.data) <= 25) continue;
    const p = i / 4;
    const x = p % after.width;
    const y = Math.floor(p / after.width);
    count++;
    sx += x;
    sy += y;
    left = Math.min(left, x);
    right = Math.max(right, x);
    top = Math.min(top, y);
    bottom = Math.max(bottom, y);
  }
  return {
    count,
    x: sx / Math.max(1, count),
    y: sy / Math.max(1, count),
    left,
    right,
    top,
    bottom,
  };
}
