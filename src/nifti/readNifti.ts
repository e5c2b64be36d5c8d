import { readFileSync } from 'node:fs';
import { gunzipSync } from 'fflate';
import * as nifti from 'nifti-reader-js';
import type { Affine } from '../volume/affine';
import type { Volume, VoxelArray } from '../volume/Volume';
import { errorMessage } from '../errors/errorMessage';

export class NiftiReadError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'NiftiReadError';
  }
}

export interface NiftiVolume {
  volume: Volume;
  /** the voxel -> RAS mm matrix the file gives (sform, else qform, else pixdim) */
  rasAffine: Affine;
  /** which of them it was */
  transform: 'sform' | 'qform' | 'pixdim';
  /** scl_slope / scl_inter applied to the stored values */
  scaled: boolean;
  warnings: string[];
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  2: { name: 'uint8', bytes: 1 },
  4: { name: 'int16', bytes: 2 },
  8: { name: 'int32', bytes: 4 },
  16: { name: 'float32', bytes: 4 },
  64: { name: 'float64', bytes: 8 },
  256: { name: 'int8', bytes: 1 },
  512: { name: 'uint16', bytes: 2 },
  768: { name: 'uint32', bytes: 4 },
};

function storedValues(
  data: ArrayBuffer,
  code: number,
  count: number,
  littleEndian: boolean,
): VoxelArray | Float64Array {
  const { bytes } = TYPES[code];
  if (!littleEndian && bytes > 1) {
    const view = new Uint8Array(data, 0, count * bytes);
    for (let n = 0; n < view.length; n += bytes) view.subarray(n, n + bytes).reverse();
  }
  switch (code) {
    case 2:
      return new Uint8Array(data, 0, count);
    case 4:
      return new Int16Array(data, 0, count);
    case 8:
      return new Int32Array(data, 0, count);
    case 16:
      return new Float32Array(data, 0, count);
    case 64:
      return new Float64Array(data, 0, count);
    case 256:
      return new Int8Array(data, 0, count);
    case 512:
      return new Uint16Array(data, 0, count);
    default:
      return new Uint32Array(data, 0, count);
  }
}

/** sform when its code is set (as nibabel and dcm2niix's readers do), else qform, else pixdim. */
function chooseAffine(
  header: nifti.NIFTI1,
  raw: DataView,
): { affine: Affine; transform: NiftiVolume['transform'] } {
  if (header.sform_code > 0) {
    const row = (r: number) =>
      [0, 1, 2, 3].map((c) => raw.getFloat32(280 + 16 * r + 4 * c, header.littleEndian));
    return { affine: [row(0), row(1), row(2), [0, 0, 0, 1]] as Affine, transform: 'sform' };
  }
  // nifti-reader-js builds the qform matrix (or a pixdim diagonal when neither code is set).
  const a = header.affine;
  return {
    affine: [0, 1, 2, 3].map((r) => [a[r][0], a[r][1], a[r][2], a[r][3]]) as Affine,
    transform: header.qform_code > 0 ? 'qform' : 'pixdim',
  };
}

/**
 * Parses a NIfTI-1 file (.nii, or gzipped) into a Volume in DICOM LPS geometry: NIfTI's voxel
 * i, j, k are our column, row and slice, and the RAS affine's x and y rows are negated. A volume
 * or labelmap so read opens in the same viewer as a DICOM series.
 */
export function parseNifti(input: Uint8Array, path: string): NiftiVolume {
  if (input.length === 0) throw new NiftiReadError(path, 'empty file');
  const bytes = input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : input;
  const data = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  if (nifti.isNIFTI2(data))
    throw new NiftiReadError(path, 'NIfTI-2 is not supported, only NIfTI-1');
  if (!nifti.isNIFTI1(data)) throw new NiftiReadError(path, 'not a NIfTI-1 file (no "n+1" magic)');
  const header = nifti.readHeader(data) as nifti.NIFTI1 | null;
  if (!header) throw new NiftiReadError(path, 'unreadable NIfTI-1 header');
  const type = TYPES[header.datatypeCode];
  if (!type)
    throw new NiftiReadError(
      path,
      `NIfTI datatype ${header.datatypeCode} is not supported (greyscale integer and float only)`,
    );
  const [ndim, nx, ny, nz = 1, nt = 1] = header.dims;
  const warnings: string[] = [];
  if (ndim > 3 && nt > 1) warnings.push(`${ndim}D image: only the first of ${nt} volumes is read`);
  const dims: [number, number, number] = [nx, ny, ndim >= 3 ? Math.max(1, nz) : 1];
  const count = dims[0] * dims[1] * dims[2];
  const offset = Math.max(header.vox_offset, 352);
  if (offset + count * type.bytes > data.byteLength) {
    throw new NiftiReadError(
      path,
      `truncated: ${count} ${type.name} voxels need ${offset + count * type.bytes} bytes, the file has ${data.byteLength}`,
    );
  }
  const stored = storedValues(
    data.slice(offset, offset + count * type.bytes),
    header.datatypeCode,
    count,
    header.littleEndian,
  );
  const slope = header.scl_slope;
  const inter = header.scl_inter;
  const scaled =
    Number.isFinite(slope) &&
    slope !== 0 &&
    !(slope === 1 && (inter === 0 || !Number.isFinite(inter)));
  let voxels: VoxelArray;
  if (scaled) {
    voxels = new Float32Array(count);
    const b = Number.isFinite(inter) ? inter : 0;
    for (let n = 0; n < count; n++) voxels[n] = stored[n] * slope + b;
  } else {
    voxels = stored instanceof Float64Array ? Float32Array.from(stored) : stored;
  }
  const { affine, transform } = chooseAffine(header, new DataView(data));
  const column = (c: number) => [affine[0][c], affine[1][c], affine[2][c]];
  const spacing = [0, 1, 2].map((c) => Math.hypot(...column(c))) as [number, number, number];
  if (spacing.some((s) => !(s > 0)))
    throw new NiftiReadError(path, `degenerate ${transform} (a zero voxel axis)`);
  // RAS -> LPS: negate x and y of every axis and of the origin.
  // (+ 0 turns the -0 of a negated zero into 0, so geometry survives a JSON round trip as is.)
  const lps = (v: number[]) => [-v[0] + 0, -v[1] + 0, v[2] + 0];
  const direction = [0, 1, 2].flatMap((c) => lps(column(c)).map((v) => v / spacing[c]));
  return {
    volume: {
      geometry: {
        dimensions: dims,
        spacing,
        origin: lps([affine[0][3], affine[1][3], affine[2][3]]) as [number, number, number],
        direction: direction as Volume['geometry']['direction'],
      },
      voxels,
    },
    rasAffine: affine,
    transform,
    scaled,
    warnings,
  };
}

export function readNifti(path: string): NiftiVolume {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new NiftiReadError(path, `cannot read (${errorMessage(error)})`);
  }
  try {
    return parseNifti(bytes, path);
  } catch (error) {
    if (error instanceof NiftiReadError) throw error;
    throw new NiftiReadError(path, `not a readable NIfTI file (${errorMessage(error)})`);
  }
}
