import { statSync } from 'node:fs';
import { readDicomFolder } from '../dicom/readDicomFolder';
import { placeLabelmap } from '../export/placeLabelmap';
import { readNifti } from '../nifti/readNifti';
import type { Volume } from '../volume/Volume';

/** An input the user named that cannot be used: the CLI exits with ExitCode.badInput. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** An image: a DICOM series folder or a NIfTI file (.nii, .nii.gz). */
export async function readImage(path: string): Promise<{ volume: Volume; dicom: boolean }> {
  let folder: boolean;
  try {
    folder = statSync(path).isDirectory();
  } catch {
    throw new InputError(`${path}: no such file or folder`);
  }
  if (folder) return { volume: (await readDicomFolder(path)).volume, dicom: true };
  if (!/\.nii(\.gz)?$/i.test(path))
    throw new InputError(`${path}: an image is a DICOM folder or a .nii / .nii.gz file`);
  return { volume: readNifti(path).volume, dicom: false };
}

/** A NIfTI labelmap placed on an image's grid (reordered or flipped as stored, never resampled). */
export function readLabelsOnto(path: string, image: Volume): Uint8Array {
  const labels = placeLabelmap(readNifti(path), image.geometry, path);
  if (labels instanceof Uint8Array) return labels;
  const out = new Uint8Array(labels.length);
  for (let n = 0; n < labels.length; n++) {
    if (labels[n] > 255) throw new InputError(`${path}: label ${labels[n]} is above 255`);
    out[n] = labels[n];
  }
  return out;
}
