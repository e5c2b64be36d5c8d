import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { voxelToLps } from '../../src/volume/affine';
import { canonicalGrid } from '../../src/volume/canonicalGrid';
import { resample } from '../../src/volume/resample';

// A sagittal acquisition: rows run anterior (-y), columns inferior (-z), slices towards the right (-x).
const sagittal: VolumeGeometry = {
  dimensions: [6, 5, 4],
  spacing: [0.9, 1.2, 3],
  origin: [40, 10, 60],
  direction: [0, -1, 0, 0, 0, -1, -1, 0, 0],
};

test('a sagittal grid is re-indexed to run left, posterior, superior over the same box', () => {
  const canonical = canonicalGrid(sagittal);
  assert.deepEqual(
    canonical.direction,
    [1, -0, -0, 0, 1, -0, -0, 0, 1].map((v) => v + 0),
  );
  assert.deepEqual(canonical.dimensions, [4, 6, 5]);
  assert.deepEqual(canonical.spacing, [3, 0.9, 1.2]);
  const corners = (g: VolumeGeometry) =>
    [0, 1]
      .flatMap((a) =>
        [0, 1].flatMap((b) =>
          [0, 1].map((c) =>
            voxelToLps(g, [
              a * (g.dimensions[0] - 1),
              b * (g.dimensions[1] - 1),
              c * (g.dimensions[2] - 1),
            ]),
          ),
        ),
      )
      .map((p) => p.map((v) => v.toFixed(6)).join(','))
      .sort();
  assert.deepEqual(corners(canonical), corners(sagittal));
});

test('re-indexing by nearest-neighbour resampling moves every voxel exactly, and back', () => {
  const voxels = Int16Array.from({ length: 120 }, (_, n) => n);
  const canonical = canonicalGrid(sagittal);
  const moved = resample(voxels, sagittal, canonical, 'nearest', new Int16Array(120));
  // Each value lands where its patient position says.
  for (let n = 0; n < 120; n++) {
    const [i, j, k] = [n % 4, Math.floor(n / 4) % 6, Math.floor(n / 24)];
    const p = voxelToLps(canonical, [i, j, k]);
    const v = moved[n];
    const q = voxelToLps(sagittal, [v % 6, Math.floor(v / 6) % 5, Math.floor(v / 30)]);
    p.forEach((x, a) => assert.ok(Math.abs(x - q[a]) < 1e-9));
  }
  assert.deepEqual(
    [...resample(moved, canonical, sagittal, 'nearest', new Int16Array(120))],
    [...voxels],
  );
});

test('an axial grid stored left-to-right, posterior-first is already canonical', () => {
  const axial: VolumeGeometry = {
    dimensions: [3, 4, 5],
    spacing: [1, 1, 2],
    origin: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  assert.deepEqual(canonicalGrid(axial), axial);
});
