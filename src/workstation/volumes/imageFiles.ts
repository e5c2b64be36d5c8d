import { statSync } from 'node:fs';
import { ApiError } from '../../api/errors';
import { DicomReadError } from '../../dicom/DicomReadError';
import { readDicomFolder } from '../../dicom/readDicomFolder';
import type { LoadedSeries } from '../../dicom/readDicomFolder';
import { GridMismatchError } from '../../dicom/seg/GridMismatchError';
import { placeLabelmap } from '../../export/placeLabelmap';
import { NiftiReadError, readNifti } from '../../nifti/readNifti';
import type { Volume } from '../../volume/Volume';

/**
 * A file the user named that cannot be used (unreadable DICOM or NIfTI, labels on another grid)
 * becomes the api's invalid_input, its message unchanged; any other error passes as it is.
 */
export function asInputError(error: unknown): unknown {
  return error instanceof DicomReadError ||
    error instanceof NiftiReadError ||
    error instanceof GridMismatchError
    ? new ApiError('invalid_input', error.message)
    : error;
}

/** Runs a read of the user's files, its bad-input errors as invalid_input. */
export async function readingInput<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw asInputError(error);
  }
}

/** Whether a path is a folder; invalid_input naming it when it is not there. */
function isFolder(path: string): boolean {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new ApiError('invalid_input', `${path}: no such file or folder`);
  return stat.isDirectory();
}

/** A DICOM series folder read whole (pixels and headers). */
export function readDicomSeries(folder: string): Promise<LoadedSeries> {
  return readingInput(() => readDicomFolder(folder));
}

/** An image: a DICOM series folder or a NIfTI file (.nii, .nii.gz). */
export async function readImage(path: string): Promise<Volume> {
  if (isFolder(path)) return (await readDicomSeries(path)).volume;
  if (!/\.nii(\.gz)?$/i.test(path))
    throw new ApiError(
      'invalid_input',
      `${path}: an image is a DICOM folder or a .nii / .nii.gz file`,
    );
  return readingInput(() => readNifti(path).volume);
}

/** A NIfTI labelmap placed on an image's grid (reordered or flipped as stored, never resampled). */
export function readLabelsOnto(path: string, image: Volume): Promise<Uint8Array> {
  return readingInput(() => {
    const labels = placeLabelmap(readNifti(path), image.geometry, path);
    if (labels instanceof Uint8Array) return labels;
    const out = new Uint8Array(labels.length);
    for (let n = 0; n < labels.length; n++) {
      if (labels[n] > 255)
        throw new ApiError('invalid_input', `${path}: label ${labels[n]} is above 255`);
      out[n] = labels[n];
    }
    return out;
  });
}
