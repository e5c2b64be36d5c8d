import { spawnSync } from 'node:child_process';

/** dicom3tools' IOD validator: the lines it reports as errors and warnings for one file. */
export function dciodvfy(path: string): { errors: string[]; warnings: string[] } {
  const run = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
  if (run.error) throw run.error;
  const lines = `${run.stdout}\n${run.stderr}`.split('\n');
  return {
    errors: lines.filter((l) => l.startsWith('Error')),
    warnings: lines.filter((l) => l.startsWith('Warning')),
  };
}
