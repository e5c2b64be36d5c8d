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
