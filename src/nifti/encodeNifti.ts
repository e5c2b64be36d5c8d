import { bytesPerVoxel, type VolumeGeometry } from '../volume/geometry';
import { rasAffine } from '../volume/affine';
import type { VoxelArray } from '../volume/Volume';
import { voxelTypeOf } from '../volume/Volume';
import { NIFTI_DATATYPES } from './niftiDatatype';
import { quaternFromColumns } from './quaternion';

const HEADER_SIZE = 348;
/** header + the 4-byte extension flag: voxels start here in a single-file .nii */
const VOX_OFFSET = 352;
const NIFTI_XFORM_SCANNER_ANAT = 1;
const NIFTI_UNITS_MM = 2;

function writeString(view: DataView, offset: number, text: string, max: number): void {
  for (let n = 0; n < Math.min(text.length, max - 1); n++)
    view.setUint8(offset + n, text.charCodeAt(n) & 0x7f);
}

/**
 * Encodes a volume as a single-file NIfTI-1 (.nii) in memory. The sform and qform both carry
 * the RAS affine of the DICOM geometry, as dcm2niix writes them, so any NIfTI reader places
 * the voxels where the scanner did.
 */
export function encodeNifti(
  geometry: VolumeGeometry,
  voxels: VoxelArray,
  description = '',
): Uint8Array {
  const voxelType = voxelTypeOf(voxels);
  const code = NIFTI_DATATYPES[voxelType];
  const bitpix = 8 * bytesPerVoxel(voxelType);
  const bytes = new Uint8Array(VOX_OFFSET + voxels.byteLength);
  const view = new DataView(bytes.buffer);
  const le = true;
  view.setInt32(0, HEADER_SIZE, le);
  view.setUint8(38, 'r'.charCodeAt(0));
  const [nx, ny, nz] = geometry.dimensions;
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((v, n) => view.setInt16(40 + 2 * n, v, le));
  view.setInt16(70, code, le);
  view.setInt16(72, bitpix, le);

  const affine = rasAffine(geometry);
  const columns = [0, 1, 2].map((axis) =>
    [0, 1, 2].map((row) => affine[row][axis] / geometry.spacing[axis]),
  );
  const q = quaternFromColumns(columns as [number[], number[], number[]]);
  [q.qfac, ...geometry.spacing, 0, 0, 0, 0].forEach((v, n) => view.setFloat32(76 + 4 * n, v, le));
  view.setFloat32(108, VOX_OFFSET, le);
  view.setFloat32(112, 1, le);
  view.setFloat32(116, 0, le);
  view.setUint8(123, NIFTI_UNITS_MM);
  writeString(view, 148, description, 80);
  view.setInt16(252, NIFTI_XFORM_SCANNER_ANAT, le);
  view.setInt16(254, NIFTI_XFORM_SCANNER_ANAT, le);
  [q.b, q.c, q.d, affine[0][3], affine[1][3], affine[2][3]].forEach((v, n) =>
    view.setFloat32(256 + 4 * n, v, le),
  );
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 4; col++)
      view.setFloat32(280 + 16 * row + 4 * col, affine[row][col], le);
  }
  writeString(view, 344, 'n+1', 4);
  // NIfTI and our Volume share the voxel order (i fastest, then j, then k): copy as it is.
  bytes.set(new Uint8Array(voxels.buffer, voxels.byteOffset, voxels.byteLength), VOX_OFFSET);
  return bytes;
}
