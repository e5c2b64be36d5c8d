/** [columns, rows, slices]: the volume's index axes i, j, k (i fastest in memory). */
export type Dimensions = readonly [number, number, number];

export interface GrowOptions {
  /** voxels within seed value ± tolerance join the region (ITK-SNAP / Slicer "intensity window") */
  tolerance: number;
  /** null grows in 3D (6-connected); an axis (0 i, 1 j, 2 k) keeps the region in the seed's slice
   * across that axis (4-connected), as a grow in the plane the user is looking at */
  fixedAxis: 0 | 1 | 2 | null;
  /** voxels the region may not enter (a locked segment's), by linear index */
  blocked?: (index: number) => boolean;
  /** stop after this many voxels: a leak into the whole body stays bounded */
  maxVoxels?: number;
}

/**
 * Region growing by intensity: the connected voxels, from the seed, whose value lies within the
 * tolerance of the seed's value. Returns their linear indices (seed first), or none when the seed
 * is outside the volume or blocked. Iterative (an explicit stack), so long series do not overflow.
 */
export function regionGrow(
  values: ArrayLike<number>,
  dims: Dimensions,
  seed: readonly [number, number, number],
  options: GrowOptions,
): Int32Array {
  const [nx, ny, nz] = dims;
  const [si, sj, sk] = seed;
  if (si < 0 || sj < 0 || sk < 0 || si >= nx || sj >= ny || sk >= nz) return new Int32Array(0);
  const plane = nx * ny;
  const start = sk * plane + sj * nx + si;
  if (options.blocked?.(start)) return new Int32Array(0);
  const center = values[start] ?? 0;
  const lower = center - options.tolerance;
  const upper = center + options.tolerance;
  const limit = options.maxVoxels ?? Number.POSITIVE_INFINITY;
  const visited = new Uint8Array(nx * ny * nz);
  const out: number[] = [];
  const stack: number[] = [start];
  visited[start] = 1;
  const fixed = options.fixedAxis;
  const visit = (index: number) => {
    if (visited[index]) return;
    visited[index] = 1;
    const value = values[index] ?? 0;
    if (value < lower || value > upper) return;
    if (options.blocked?.(index)) return;
    stack.push(index);
  };
  while (stack.length > 0 && out.length < limit) {
    const index = stack.pop() ?? 0;
    out.push(index);
    const k = Math.floor(index / plane);
    const rest = index - k * plane;
    const j = Math.floor(rest / nx);
    const i = rest - j * nx;
    if (fixed !== 0) {
      if (i > 0) visit(index - 1);
      if (i < nx - 1) visit(index + 1);
    }
    if (fixed !== 1) {
      if (j > 0) visit(index - nx);
      if (j < ny - 1) visit(index + nx);
    }
    if (fixed !== 2) {
      if (k > 0) visit(index - plane);
      if (k < nz - 1) visit(index + plane);
    }
  }
  return Int32Array.from(out);
}
