import { z } from 'zod';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

/**
 * Patient-space (DICOM LPS) geometry of a voxel grid. Voxels are stored `[slice][row][column]`,
 * so index = k*rows*cols + j*cols + i.
 */
export const volumeGeometrySchema = z.object({
  /** [columns, rows, slices] */
  dimensions: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  /** mm between [columns, rows, slices] */
  spacing: vec3,
  /** LPS position of voxel (0,0,0), mm */
  origin: vec3,
  /** row-major 3x3: row direction (along i), column direction (along j), slice normal (along k) */
  direction: z.tuple([
    z.number(),
    z.number(),
    z.number(),
    z.number(),
    z.number(),
    z.number(),
    z.number(),
    z.number(),
    z.number(),
  ]),
});
export type VolumeGeometry = z.infer<typeof volumeGeometrySchema>;

export const voxelTypeSchema = z.enum([
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'float32',
]);
export type VoxelType = z.infer<typeof voxelTypeSchema>;

/** The typed array of each voxel type; its BYTES_PER_ELEMENT is the size on disk and on the wire. */
export const voxelArrays = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
} as const satisfies Record<VoxelType, { readonly BYTES_PER_ELEMENT: number }>;

export function bytesPerVoxel(voxelType: VoxelType): number {
  return voxelArrays[voxelType].BYTES_PER_ELEMENT;
}
