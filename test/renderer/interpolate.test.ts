import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpolateLabels } from '../../renderer/segmentation/interpolate';
import type { Dimensions } from '../../renderer/segmentation/regionGrow';

const dims: Dimensions = [24, 20, 16];
const index = (i: number, j: number, k: number) => k * dims[0] * dims[1] + j * dims[0] + i;
const coords = (n: number): [number, number, number] => [
  n % dims[0],
  Math.floor(n / dims[0]) % dims[1],
  Math.floor(n / 480),
];

/** Two discs of radius `r0` and `r1` in slices `a` and `b` across `axis`, centred (10, 8). */
function twoDiscs(axis: 0 | 1 | 2, a: number, b: number, r0: number, r1: number): Uint8Array {
  const labels = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (const [slice, r] of [
    [a, r0],
    [b, r1],
  ] as const) {
    for (let x = 0; x < 24; x++)
      for (let y = 0; y < 24; y++) {
        if ((x - 8) ** 2 + (y - 7) ** 2 > r * r) continue;
        const [i, j, k] = axis === 0 ? [slice, x, y] : axis === 1 ? [x, slice, y] : [x, y, slice];
        if (i < dims[0] && j < dims[1] && k < dims[2]) labels[index(i, j, k)] = 1;
      }
  }
  return labels;
}

for (const axis of [0, 1, 2] as const) {
  test(`interpolation across axis ${axis} fills only the slices between, growing with the radius`, () => {
    const labels = twoDiscs(axis, 3, 9, 2, 5);
    const writes = interpolateLabels(labels, dims, 1, axis);
    assert.ok(writes.length > 0);
    const perSlice = new Map<number, number>();
    for (const n of writes) {
      assert.equal(labels[n], 0, 'only unlabelled voxels');
      const slice = coords(n)[axis];
      assert.ok(slice > 3 && slice < 9, `slice ${slice} lies between the edited ones`);
      perSlice.set(slice, (perSlice.get(slice) ?? 0) + 1);
    }
    assert.deepEqual(
      [...perSlice.keys()].sort((x, y) => x - y),
      [4, 5, 6, 7, 8],
    );
    // areas grow monotonically from the small disc towards the large one
    const areas = [4, 5, 6, 7, 8].map((s) => perSlice.get(s) ?? 0);
    for (let s = 1; s < areas.length; s++) {
      assert.ok((areas[s] ?? 0) >= (areas[s - 1] ?? 0), String(areas));
    }
    // the middle slice is close to a disc of the mean radius 3.5
    assert.ok(Math.abs((areas[2] ?? 0) - Math.PI * 3.5 * 3.5) < 12, String(areas));
  });
}

test('identical slices interpolate to the same shape; other segments are left alone', () => {
  const labels = twoDiscs(2, 2, 6, 3, 3);
  labels[index(8, 7, 4)] = 2;
  const writes = interpolateLabels(labels, dims, 1, 2);
  const disc = [...labels.subarray(index(0, 0, 2), index(0, 0, 3))].filter((v) => v === 1).length;
  // slices 3, 4, 5: a disc each, less the one voxel of segment 2
  assert.equal(writes.length, 3 * disc - 1);
  assert.ok(!writes.includes(index(8, 7, 4)));
});

test('anisotropic spacing: a thin slab along a coarse axis interpolates like an isotropic one', () => {
  const labels = twoDiscs(1, 2, 8, 4, 4);
  const iso = interpolateLabels(labels, dims, 1, 1);
  const coarse = interpolateLabels(labels, dims, 1, 1, [0.8, 0.8, 3]);
  assert.equal(coarse.length, iso.length);
});
