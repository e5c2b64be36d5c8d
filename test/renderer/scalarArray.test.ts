import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeGeometry, VoxelType } from '../../src/api';
import { scalarBitsOf, toScalarArray } from '../../renderer/viewer/voxels';

const geometry: VolumeGeometry = {
  dimensions: [2, 1, 2],
  spacing: [1, 1, 1],
  origin: [0, 0, 0],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
};

const cases: [VoxelType, ArrayLike<number> & { buffer: ArrayBufferLike }, string][] = [
  ['uint8', Uint8Array.of(0, 1, 200, 255), 'Uint8Array'],
  ['int16', Int16Array.of(-1024, 0, 40, 3071), 'Int16Array'],
  ['uint16', Uint16Array.of(0, 1, 4095, 65535), 'Uint16Array'],
  ['float32', Float32Array.of(-1.5, 0, 0.25, 1e6), 'Float32Array'],
  ['int8', Int8Array.of(-128, -1, 0, 127), 'Float32Array'],
  ['int32', Int32Array.of(-70000, 0, 1, 16777216), 'Float32Array'],
  ['uint32', Uint32Array.of(0, 1, 70000, 16777216), 'Float32Array'],
];

test('every voxel type reaches Cornerstone3D as an array it holds, with its values and bit depth', () => {
  for (const [voxelType, voxels, arrayName] of cases) {
    const scalars = toScalarArray(voxels.buffer as ArrayBuffer, voxelType, geometry);
    assert.equal(scalars.constructor.name, arrayName, voxelType);
    assert.deepEqual([...scalars], [...Array.from(voxels)], voxelType);
    assert.equal(scalarBitsOf(voxelType), 8 * scalars.BYTES_PER_ELEMENT, voxelType);
  }
});

test('a buffer whose size does not fit the geometry is refused, naming both sizes', () => {
  assert.throws(
    () => toScalarArray(new ArrayBuffer(6), 'int16', geometry),
    /has 6 bytes, its geometry needs 8 \(int16\)/,
  );
});
