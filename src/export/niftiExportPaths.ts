/** The files a labelmap export writes: the NIfTI and, beside it, its two label tables. */
export function niftiExportPaths(path: string): { nifti: string; json: string; itkSnap: string } {
  const match = /^(.*)\.nii(\.gz)?$/i.exec(path);
  if (!match) throw new Error(`${path}: a NIfTI file name ends in .nii or .nii.gz`);
  return { nifti: path, json: `${match[1]}.labels.json`, itkSnap: `${match[1]}.itksnap.txt` };
}
