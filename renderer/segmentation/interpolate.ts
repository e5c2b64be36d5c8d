import type { Dimensions } from './regionGrow';

const INF = 1e20;

/**
 * 1D squared Euclidean distance transform (Felzenszwalb and Huttenlocher), in place, with the
 * squared sample spacing `w2` so that distances come out in mm on anisotropic grids.
 */
function edt1d(
  f: Float64Array,
  n: number,
  w2: number,
  d: Float64Array,
  v: Int32Array,
  z: Float64Array,
): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    const intersect = (p: number) =>
      ((f[q] ?? 0) + w2 * q * q - ((f[p] ?? 0) + w2 * p * p)) / (2 * w2 * (q - p));
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
    d[q] = w2 * (q - p) * (q - p) + (f[p] ?? 0);
  }
}

/**
 * Squared distance (in units of `spacing`, [x, y]) of every pixel to the nearest pixel where
 * `seed` is true.
 */
export function distance2d(
  seed: (index: number) => boolean,
  width: number,
  height: number,
  spacing: readonly [number, number] = [1, 1],
): Float64Array {
  const grid = new Float64Array(width * height);
  for (let i = 0; i < grid.length; i++) grid[i] = seed(i) ? 0 : INF;
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const [wx, wy] = [spacing[0] * spacing[0], spacing[1] * spacing[1]];
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = grid[y * width + x] ?? INF;
    edt1d(f, height, wy, d, v, z);
    for (let y = 0; y < height; y++) grid[y * width + x] = d[y] ?? INF;
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[x] = grid[y * width + x] ?? INF;
    edt1d(f, width, wx, d, v, z);
    for (let x = 0; x < width; x++) grid[y * width + x] = d[x] ?? INF;
  }
  return grid;
}

/** Signed distance of a slice's mask: negative inside, positive outside (in spacing units). */
export function signedDistance(
  mask: Uint8Array,
  width: number,
  height: number,
  spacing: readonly [number, number] = [1, 1],
): Float64Array {
  const outside = distance2d((i) => mask[i] === 1, width, height, spacing);
  const inside = distance2d((i) => mask[i] === 0, width, height, spacing);
  const half = Math.min(spacing[0], spacing[1]) / 2;
  const result = new Float64Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    result[i] = mask[i] ? -Math.sqrt(inside[i] ?? 0) + half : Math.sqrt(outside[i] ?? 0) - half;
  }
  return result;
}

/**
 * Shape-based interpolation (as Slicer's and ITK-SNAP's "fill between slices") across the slices
 * normal to index axis `axis` (2: axial slices of an axial series, 1: coronal, 0: sagittal):
 * between every two such slices that hold the segment with empty slices between them, each empty
 * slice gets the zero level of the linear blend of the two slices' signed distance maps. Only
 * unlabelled voxels are painted. Returns the linear indices to paint.
 */
export function interpolateLabels(
  labels: Uint8Array,
  dims: Dimensions,
  segmentIndex: number,
  axis: 0 | 1 | 2,
  spacing: readonly [number, number, number] = [1, 1, 1],
): Int32Array {
  const strides = [1, dims[0], dims[0] * dims[1]] as const;
  const [u, v] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
  const width = dims[u];
  const height = dims[v];
  const depth = dims[axis];
  const [su, sv, sa] = [strides[u], strides[v], strides[axis]];
  const at = (slice: number, x: number, y: number) => slice * sa + x * su + y * sv;
  const holds = new Uint8Array(depth);
  for (let index = 0; index < labels.length; index++) {
    if (labels[index] !== segmentIndex) continue;
    holds[Math.floor(index / sa) % depth] = 1;
  }
  const edited: number[] = [];
  for (let k = 0; k < depth; k++) if (holds[k]) edited.push(k);
  const mask = (k: number): Uint8Array => {
    const out = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        out[y * width + x] = labels[at(k, x, y)] === segmentIndex ? 1 : 0;
      }
    }
    return out;
  };
  const pixel: [number, number] = [spacing[u], spacing[v]];
  const writes: number[] = [];
  for (let n = 0; n + 1 < edited.length; n++) {
    const k0 = edited[n] ?? 0;
    const k1 = edited[n + 1] ?? 0;
    if (k1 - k0 < 2) continue;
    const d0 = signedDistance(mask(k0), width, height, pixel);
    const d1 = signedDistance(mask(k1), width, height, pixel);
    for (let k = k0 + 1; k < k1; k++) {
      const t = (k - k0) / (k1 - k0);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const p = y * width + x;
          const blended = (1 - t) * (d0[p] ?? 0) + t * (d1[p] ?? 0);
          const index = at(k, x, y);
          if (blended <= 0 && labels[index] === 0) writes.push(index);
        }
      }
    }
  }
  return Int32Array.from(writes);
}
