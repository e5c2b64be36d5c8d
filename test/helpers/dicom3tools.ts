import { spawnSync } from 'node:child_process';

function report(tool: string, paths: string[]): { errors: string[]; warnings: string[] } {
  const run = spawnSync(tool, paths, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  const lines = `${run.stdout}\n${run.stderr}`.split('\n');
  return {
    errors: lines.filter((l) => l.startsWith('Error')),
    warnings: lines.filter((l) => l.startsWith('Warning')),
  };
}

/** dicom3tools' IOD validator: the lines it reports as errors and warnings for one file. */
export function dciodvfy(path: string): { errors: string[]; warnings: string[] } {
  return report('dciodvfy', [path]);
}

/**
 * dicom3tools' entity checker: across files, the same patient, study and frame of reference
 * must carry the same attributes (a SEG has to agree with the series it derives from).
 */
export function dcentvfy(paths: string[]): { errors: string[]; warnings: string[] } {
  return report('dcentvfy', paths);
}
