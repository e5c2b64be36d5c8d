import type { CommandParams, CommandResult } from '../../api/commands';
import { ApiError } from '../../api/errors';
import { writeNifti } from '../../nifti/writeNifti';
import { FileExistsError } from '../../files/atomicWrite';
import type { OpenVolumes } from '../volumes/OpenVolumes';
import { userPath } from './userPath';
import { errorMessage } from '../../errors/errorMessage';

/**
 * `exportLabelmap`: a labelmap as a bare NIfTI on its volume's grid (the CLI's `segment --out`);
 * `exportSegmentation` writes one with its segment table.
 */
export function labelmapExport(
  volumes: OpenVolumes,
): (params: CommandParams<'exportLabelmap'>) => Promise<CommandResult<'exportLabelmap'>> {
  return async ({ labelmapId, path, overwrite }) => {
    const entry = volumes.labelmap(labelmapId);
    const target = userPath(path);
    const geometry = volumes.volume(entry.info.volumeId).geometry;
    try {
      const bytes = await writeNifti(target, geometry, entry.labels, {
        overwrite: overwrite ?? false,
        description: `labels: ${entry.info.classes.join(', ')}`,
      });
      return { path: target, bytes };
    } catch (error) {
      // an existing target is io_error here (exportSegmentation, younger, says `exists`)
      if (error instanceof FileExistsError) throw new ApiError('io_error', error.message);
      const message = errorMessage(error);
      throw new ApiError('io_error', `could not write ${target}: ${message}`);
    }
  };
}
