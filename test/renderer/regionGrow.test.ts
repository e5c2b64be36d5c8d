import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regionGrow, type Dimensions } from '../../renderer/segmentation/regionGrow';

/** A 20x16x12 volume of 0 with a bright box (value 100 ± 4) and a separate bright blob. */
function phantom(): { values: Int16Array; dims: Dimensions } {
  const dims: Dimensions = [20, 16, 12];
  const values = new Int16Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const index = k * dims[0] * dims[1] + j * dims[0] + i;
        if (i >= 2 && i < 8 && j >= 3 && j < 9 && k >= 4 && k < 10)
          values[index] = 96 + (i % 5) * 2;
        if (i >= 14 && i < 17 && j >= 10 && j < 13 && k >= 4 && k < 10) values[index] = 100;
      }
  return { values, dims };
}

test('a 3D grow from inside the box takes exactly the box, not the separate blob', () => {
  const { values, dims } = phantom();
  const region = regionGrow(values, dims, [4, 5, 6], { tolerance: 10, fixedAxis: null });
  assert.equal(region.length, 6 * 6 * 6);
  for (const index of region) assert.ok((values[index] ?? 0) >= 90);
  // the seed comes first
  assert.equal(region[0], 6 * 20 * 16 + 5 * 20 + 4);
});

test('the tolerance is measured from the seed value', () => {
  const { values, dims } = phantom();
  // seed at i=4 holds 96 + 4*2 = 104: within 4 are 100..108, i.e. i%5 in {2,3,4}
  const region = regionGrow(values, dims, [4, 5, 6], { tolerance: 4, fixedAxis: null });
  for (const index of region) assert.ok(Math.abs((values[index] ?? 0) - 104) <= 4);
  assert.ok(region.length > 0 && region.length < 6 * 6 * 6);
});

test('an in-plane grow stays in the seed slice across the fixed axis', () => {
  const { values, dims } = phantom();
  for (const axis of [0, 1, 2] as const) {
    const region = regionGrow(values, dims, [4, 5, 6], { tolerance: 10, fixedAxis: axis });
    assert.equal(region.length, 36, `axis ${axis}`);
    const seedCoord = [4, 5, 6][axis];
    for (const index of region) {
      const coords = [index % 20, Math.floor(index / 20) % 16, Math.floor(index / 320)];
      assert.equal(coords[axis], seedCoord);
    }
  }
});

test('blocked voxels and the voxel cap bound the region; a seed outside gives nothing', () => {
  const { values, dims } = phantom();
  const blocked = (index: number) => Math.floor(index / 320) >= 7;
  const region = regionGrow(values, dims, [4, 5, 6], { tolerance: 10, fixedAxis: null, blocked });
  assert.equal(region.length, 6 * 6 * 3);
  const capped = regionGrow(values, dims, [4, 5, 6], {
    tolerance: 10,
    fixedAxis: null,
    maxVoxels: 50,
  });
  assert.equal(capped.length, 50);
  assert.equal(regionGrow(values, dims, [20, 5, 6], { tolerance: 10, fixedAxis: null }).length, 0);
});
