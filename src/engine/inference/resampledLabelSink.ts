import { canonicalAxes } from '../../volume/canonicalGrid';
import type { VolumeGeometry } from '../../volume/geometry';
import { nearestAlong, voxelToVoxel } from '../../volume/resample';
import { argmax } from './sinks';
import type { SlabSink } from './slidingWindowInfer';

export interface ResampledLabelSink {
  sink: SlabSink;
  /** The most slices of model-grid labels held at once so far. */
  peakSlices(): number;
}

/**
 * Labels on the model's grid `grid`, a `gridAtSpacing` of `canonicalGrid(geometry)`, brought back
 * to the voxels stored on `geometry` as the sliding window makes each slab final: exactly what
 * `resample(labels, grid, geometry, 'nearest')` gives from the whole labelmap (the same
 * `nearestAlong` arithmetic, so ties round alike), without the labelmap ever existing whole on
 * the model's grid. A canonical slice is one stored plane, and its voxels are written once every
 * model slice they take a label from is final; model slices no plane still needs are dropped.
 * The planes are walked by `canonicalAxes`, the permutation `canonicalIndexMap` is made of: the
 * rounding needs each voxel's stored (i, j, k), which the map's flat index would only give back
 * by division. The labels are exact for any `grid`; that few slices are held (one slab, one more
 * at a tie) rests on `grid` sharing the canonical directions, as `gridAtSpacing` keeps them.
 */
export function resampledLabelSink(
  labels: Uint8Array,
  geometry: VolumeGeometry,
  grid: VolumeGeometry,
  channels: number,
): ResampledLabelSink {
  const [cols, rows, slices] = grid.dimensions;
  const sliceVoxels = cols * rows;
  const [nx, ny, nz] = geometry.dimensions;
  if (labels.length !== nx * ny * nz) {
    throw new RangeError(`${labels.length} labels for a ${nx}x${ny}x${nz} volume`);
  }
  const [mx, my, mz] = voxelToVoxel(grid, geometry);
  // The stored axis the canonical slices run along: canonical slice c is stored plane planeOf(c).
  const { axis: normal, flip } = canonicalAxes(geometry)[2];
  const planes = geometry.dimensions[normal];
  const planeOf = (c: number) => (flip ? planes - 1 - c : c);
  const eachVoxel = (c: number, visit: (i: number, j: number, k: number) => void) => {
    const p = planeOf(c);
    const [i0, i1] = normal === 0 ? [p, p + 1] : [0, nx];
    const [j0, j1] = normal === 1 ? [p, p + 1] : [0, ny];
    const [k0, k1] = normal === 2 ? [p, p + 1] : [0, nz];
    for (let k = k0; k < k1; k++)
      for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) visit(i, j, k);
  };

  // The model slices [first[c], last[c]] that canonical slice c takes its labels from. The model
  // grid shares the canonical grid's directions, so the model slice should depend on the plane
  // alone: it does, bit for bit, where the map's in-plane coefficients are exactly zero (zero
  // times an index adds exactly nothing), and then one voxel a plane tells. Otherwise (the
  // rounding noise of an oblique grid's directions) every voxel is asked.
  const first = new Int32Array(planes + 1).fill(slices);
  const last = new Int32Array(planes).fill(-1);
  const planeOnly = [0, 1, 2].every((a) => a === normal || mz[a] === 0);
  for (let c = 0; c < planes; c++) {
    const note = (i: number, j: number, k: number) => {
      const z = nearestAlong(mz, slices, i, j, k);
      first[c] = Math.min(first[c], z);
      last[c] = Math.max(last[c], z);
    };
    if (planeOnly) {
      const p = planeOf(c);
      note(normal === 0 ? p : 0, normal === 1 ? p : 0, normal === 2 ? p : 0);
    } else eachVoxel(c, note);
  }
  // From here first[c] is the lowest model slice any of the canonical slices c, c + 1, ... needs.
  for (let c = planes - 1; c >= 0; c--) first[c] = Math.min(first[c], first[c + 1]);

  // window holds the labels of model slices [lo, hi), slice z from (z - lo) * sliceVoxels;
  // canonical slices [0, done) are written.
  let window = new Uint8Array(0);
  let lo = 0;
  let hi = 0;
  let done = 0;
  let peak = 0;
  const write = (c: number) =>
    eachVoxel(c, (i, j, k) => {
      const x = nearestAlong(mx, cols, i, j, k);
      const y = nearestAlong(my, rows, i, j, k);
      const z = nearestAlong(mz, slices, i, j, k);
      labels[(k * ny + j) * nx + i] = window[(z - lo) * sliceVoxels + y * cols + x];
    });

  const sink: SlabSink = (z0, depth, probabilities) => {
    if (z0 !== hi) throw new RangeError(`slab at model slice ${z0} out of order: expected ${hi}`);
    const held = hi - lo + depth;
    if (held * sliceVoxels > window.length) {
      const larger = new Uint8Array(held * sliceVoxels);
      larger.set(window.subarray(0, (hi - lo) * sliceVoxels));
      window = larger;
    }
    const at = (hi - lo) * sliceVoxels;
    for (let v = 0; v < depth * sliceVoxels; v++)
      window[at + v] = argmax(probabilities, v, channels);
    hi += depth;
    peak = Math.max(peak, held);
    while (done < planes && last[done] < hi) write(done++);
    const keep = Math.min(hi, first[done]);
    if (keep > lo) window.copyWithin(0, (keep - lo) * sliceVoxels, (hi - lo) * sliceVoxels);
    lo = keep;
  };
  return { sink, peakSlices: () => peak };
}
