import type { VoxelType } from '../volume/geometry';

/** NIfTI-1 datatype codes and their bits per voxel. */
export const NIFTI_DATATYPES: Record<VoxelType, { code: number; bitpix: number }> = {
  uint8: { code: 2, bitpix: 8 },
  int16: { code: 4, bitpix: 16 },
  int32: { code: 8, bitpix: 32 },
  float32: { code: 16, bitpix: 32 },
  int8: { code: 256, bitpix: 8 },
  uint16: { code: 512, bitpix: 16 },
  uint32: { code: 768, bitpix: 32 },
};
