import type { SegmentationEditor } from './SegmentationEditor';

const INF = 1e20;

/** 1D squared Euclidean distance transform (Felzenszwalb and Huttenlocher), in place. */
function edt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    const intersect = (p: number) =>
      ((f[q] ?? 0) + q * q - ((f[p] ?? 0) + p * p)) / (2 * q - 2 * p);
    let s = intersect(v[k] ?? 0);
    while (s <= (z[k] ?? 0) && k > 0) {
      k--;
      s = intersect(v[k] ?? 0);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while ((z[k + 1] ?? INF) < q) k++;
    const p = v[k] ?? 0;
    d[q] = (q - p) * (q - p) + (f[p] ?? 0);
  }
}

/** Squared distance of every pixel to the nearest pixel where `seed` is true. */
export function distance2d(
  seed: (index: number) => boolean,
  width: number,
  height: number,
): Float64Array {
  const grid = new Float64Array(width * height);
  for (let i = 0; i < grid.length; i++) grid[i] = seed(i) ? 0 : INF;
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = grid[y * width + x] ?? INF;
    edt1d(f, height, d, v, z);
    for (let y = 0; y < height; y++) grid[y * width + x] = d[y] ?? INF;
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[x] = grid[y * width + x] ?? INF;
    edt1d(f, width, d, v, z);
    for (let x = 0; x < width; x++) grid[y * width + x] = d[x] ?? INF;
  }
  return grid;
}

/** Signed distance of a slice's mask: negative inside, positive outside (pixels). */
export function signedDistance(mask: Uint8Array, width: number, height: number): Float64Array {
  const outside = distance2d((i) => mask[i] === 1, width, height);
  const inside = distance2d((i) => mask[i] === 0, width, height);
  const result = new Float64Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    result[i] = mask[i] ? -Math.sqrt(inside[i] ?? 0) + 0.5 : Math.sqrt(outside[i] ?? 0) - 0.5;
  }
  return result;
}

/**
 * Shape-based interpolation (as Slicer's and ITK-SNAP's "fill between slices"): between every two
 * slices of the volume that hold the segment with empty slices between them, each empty slice
 * gets the zero level of the linear blend of the two slices' signed distance maps. Only unlabelled
 * voxels are painted. One undoable edit; returns the number of voxels painted.
 */
export function interpolateSegment(
  editor: SegmentationEditor,
  segmentationId: string,
  segmentIndex: number,
): number {
  const labels = editor.labels(segmentationId);
  const volume = editor.dimensions();
  const [width, height, depth] = volume;
  const plane = width * height;
  const edited: number[] = [];
  for (let k = 0; k < depth; k++) {
    const offset = k * plane;
    for (let i = 0; i < plane; i++) {
      if (labels[offset + i] === segmentIndex) {
        edited.push(k);
        break;
      }
    }
  }
  const mask = (k: number): Uint8Array => {
    const out = new Uint8Array(plane);
    const offset = k * plane;
    for (let i = 0; i < plane; i++) out[i] = labels[offset + i] === segmentIndex ? 1 : 0;
    return out;
  };
  const writes: [number, number][] = [];
  for (let n = 0; n + 1 < edited.length; n++) {
    const k0 = edited[n] ?? 0;
    const k1 = edited[n + 1] ?? 0;
    if (k1 - k0 < 2) continue;
    const d0 = signedDistance(mask(k0), width, height);
    const d1 = signedDistance(mask(k1), width, height);
    for (let k = k0 + 1; k < k1; k++) {
      const t = (k - k0) / (k1 - k0);
      const offset = k * plane;
      for (let i = 0; i < plane; i++) {
        const blended = (1 - t) * (d0[i] ?? 0) + t * (d1[i] ?? 0);
        if (blended <= 0 && labels[offset + i] === 0) writes.push([offset + i, segmentIndex]);
      }
    }
  }
  if (writes.length === 0) return 0;
  editor.recordEdit(segmentationId, (set) => {
    for (const [index, value] of writes) set(index, value);
  });
  return writes.length;
}
