// The labels of a model whose spacing differs go back to the stored voxels slab by slab (issue
// 17): they must equal the whole labelmap's argmax resampled whole (nearest) bit for bit, while
// the sink holds only a few model slices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resampledLabelSink } from '../../src/engine/inference/resampledLabelSink';
import { argmaxSink } from '../../src/engine/inference/sinks';
import { canonicalAxes, canonicalGrid } from '../../src/volume/canonicalGrid';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { gridAtSpacing, resample, voxelToVoxel } from '../../src/volume/resample';
import { signedAxes } from '../helpers/signedAxes';

const CHANNELS = 3;

/** Every signed permutation of the patient axes as stored row, column and normal; some tilted. */
function geometries(dimensions: VolumeGeometry['dimensions']): VolumeGeometry[] {
  const [c, s] = [Math.cos(0.26), Math.sin(0.26)];
  return signedAxes().flatMap((axes) =>
    [false, true].map((tilted): VolumeGeometry => {
      // Turned about the normal by 15 degrees: an oblique grid, still nearest the same axes.
      const [row, col, normal] = tilted
        ? [
            axes[0].map((x, r) => c * x + s * axes[1][r]),
            axes[1].map((x, r) => c * x - s * axes[0][r]),
            axes[2],
          ]
        : axes;
      return {
        dimensions,
        spacing: [0.9, 1.3, 1.7],
        origin: [-31.5, 12.25, 48],
        direction: [...row, ...col, ...normal] as VolumeGeometry['direction'],
      };
    }),
  );
}

/** Deterministic, varied class probabilities for every voxel of the model grid, channels last. */
function probabilities(voxels: number): Float32Array {
  return Float32Array.from({ length: voxels * CHANNELS }, (_, n) => {
    const h = Math.imul(n + 1, 2654435761) >>> 0;
    return (h % 1000) / 1000;
  });
}

/** Feeds `p` to `sink` in order, in slabs of the given depths (repeated), as slidingWindowInfer does. */
function feed(
  sink: (z0: number, depth: number, p: Float32Array) => void,
  p: Float32Array,
  grid: VolumeGeometry,
  depths: number[],
): number {
  const [cols, rows, slices] = grid.dimensions;
  const values = cols * rows * CHANNELS;
  let deepest = 0;
  for (let z0 = 0, n = 0; z0 < slices; n++) {
    const depth = Math.min(depths[n % depths.length], slices - z0);
    // A copy: the sliding window reuses its slab buffer once the sink returns.
    sink(z0, depth, p.slice(z0 * values, (z0 + depth) * values));
    deepest = Math.max(deepest, depth);
    z0 += depth;
  }
  return deepest;
}

/** The former path: the whole model-grid labelmap, then resampled whole (nearest). */
function wholeResample(p: Float32Array, geometry: VolumeGeometry, grid: VolumeGeometry) {
  const [cols, rows, slices] = grid.dimensions;
  const model = new Uint8Array(cols * rows * slices);
  argmaxSink(model, cols * rows, CHANNELS)(0, slices, p);
  const [nx, ny, nz] = geometry.dimensions;
  return resample(model, grid, geometry, 'nearest', new Uint8Array(nx * ny * nz));
}

/** Whether a stored plane's nearest model slice is decided by the plane alone in the map's coefficients. */
function planeOnly(geometry: VolumeGeometry, grid: VolumeGeometry): boolean {
  const normal = canonicalAxes(geometry)[2].axis;
  const mz = voxelToVoxel(grid, geometry)[2];
  return [0, 1, 2].every((a) => a === normal || mz[a] === 0);
}

test('slab by slab, the labels equal the whole argmax resampled whole (nearest), for every orientation and spacing', () => {
  // Model spacing over stored spacing: halved (every stored voxel on a rounding tie), finer,
  // coarser, doubled, and a mix of up and down.
  const ratios: [number, number, number][] = [
    [0.5, 0.5, 0.5],
    [0.7, 0.8, 0.6],
    [1.37, 1.2, 1.9],
    [2, 2, 2],
    [0.6, 1.9, 2.5],
  ];
  const paths = { planeOnly: 0, scanned: 0 };
  let cases = 0;
  for (const geometry of geometries([7, 6, 9])) {
    const canonical = canonicalGrid(geometry);
    for (const ratio of ratios) {
      const spacing = canonical.spacing.map((s, a) => s * ratio[a]) as [number, number, number];
      const grid = gridAtSpacing(canonical, spacing);
      const [cols, rows, slices] = grid.dimensions;
      const p = probabilities(cols * rows * slices);
      const expected = wholeResample(p, geometry, grid);
      const labels = new Uint8Array(expected.length).fill(255);
      const { sink, peakSlices } = resampledLabelSink(labels, geometry, grid, CHANNELS);
      const deepest = feed(sink, p, grid, [3, 1, 4, 2]);
      const where = `${JSON.stringify(geometry.direction)} at ${ratio}`;
      assert.deepEqual(labels, expected, where);
      // The slab just made final, and at most one model slice a tie or a tilt keeps from before.
      assert.ok(peakSlices() <= deepest + 1, `${where}: ${peakSlices()} slices held`);
      paths[planeOnly(geometry, grid) ? 'planeOnly' : 'scanned']++;
      cases++;
    }
  }
  assert.equal(cases, 480);
  // Both ways of finding a plane's model slices were taken: axis-aligned maps have exact zeros,
  // the tilted grids' maps carry rounding noise.
  assert.ok(paths.planeOnly >= 240 && paths.scanned > 0, JSON.stringify(paths));
});

test('a long volume: the sink holds one slab of model labels, never the model grid', () => {
  for (const geometry of geometries([23, 22, 21]).filter((_, n) => n % 7 === 0)) {
    const canonical = canonicalGrid(geometry);
    const half = canonical.spacing.map((s) => s / 2) as [number, number, number];
    const grid = gridAtSpacing(canonical, half);
    const [cols, rows, slices] = grid.dimensions;
    const p = probabilities(cols * rows * slices);
    const labels = new Uint8Array(23 * 22 * 21);
    const { sink, peakSlices } = resampledLabelSink(labels, geometry, grid, CHANNELS);
    const deepest = feed(sink, p, grid, [5]);
    assert.deepEqual(labels, wholeResample(p, geometry, grid));
    assert.ok(slices >= 42 && peakSlices() <= deepest + 1, `${peakSlices()} of ${slices} slices`);
  }
});

test('a slab out of order and labels of the wrong size are refused', () => {
  const [geometry] = geometries([4, 4, 4]);
  const grid = gridAtSpacing(canonicalGrid(geometry), [2, 2, 2]);
  assert.throws(
    () => resampledLabelSink(new Uint8Array(63), geometry, grid, CHANNELS),
    /63 labels for a 4x4x4 volume/,
  );
  const { sink } = resampledLabelSink(new Uint8Array(64), geometry, grid, CHANNELS);
  const [cols, rows] = grid.dimensions;
  assert.throws(
    () => sink(1, 1, new Float32Array(cols * rows * CHANNELS)),
    /slab at model slice 1 out of order: expected 0/,
  );
});
