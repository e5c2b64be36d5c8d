import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Converts a DICOM folder with dcm2niix (the reference converter); returns the .nii.gz it wrote. */
export function dcm2niix(dicomDir: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  execFileSync('dcm2niix', ['-z', 'y', '-b', 'n', '-f', 'series', '-o', outDir, dicomDir], {
    stdio: 'pipe',
  });
  const written = readdirSync(outDir).filter((f) => f.endsWith('.nii.gz'));
  if (written.length !== 1) throw new Error(`dcm2niix wrote ${written.join(', ') || 'nothing'}`);
  return join(outDir, written[0]);
}
