import type { VoxelType } from '../volume/geometry';

/** NIfTI-1 datatype codes (their bits per voxel follow from the type: bytesPerVoxel). */
export const NIFTI_DATATYPES: Record<VoxelType, number> = {
  uint8: 2,
  int16: 4,
  int32: 8,
  float32: 16,
  int8: 256,
  uint16: 512,
  uint32: 768,
};
