import { ApiError } from '../../api/errors';
import type { Volume } from '../../volume/Volume';
import type { NamedCase } from './libraryCases';
import { libraryCaseId, loadLibraryCase } from './libraryCases';
import type { TrainingHost } from './TrainingHost';
import type { CaseSource } from './trainingRecords';

/**
 * The cases a training or comparison names, from wherever they are: a library series and one of
 * its saved segmentations, a pair of files (the CLI), or a volume and labelmap open now.
 */
export function caseSources(host: TrainingHost) {
  const resolve = async (source: CaseSource): Promise<NamedCase> => {
    if ('library' in source) return loadLibraryCase(host.library(), host.store(), source.library);
    if ('file' in source) {
      if (!host.files)
        throw new ApiError('invalid_input', `${source.file.image}: file cases resume from the CLI`);
      return host.files.open(source.file);
    }
    const { volumeId, labelmapId } = source.open;
    let volume: Volume;
    try {
      volume = host.volume(volumeId);
    } catch {
      throw new ApiError(
        'not_found',
        `volume ${volumeId} is no longer open (cases of an earlier session cannot be resumed: train on library cases for that)`,
      );
    }
    const labels = host.labelmap(labelmapId);
    if (labels.length !== volume.voxels.length) {
      throw new ApiError(
        'invalid_input',
        `labelmap ${labelmapId} is not on the grid of volume ${volumeId}`,
      );
    }
    return { id: volumeId, name: volumeId, volume, labels };
  };
  const sourceId = (s: CaseSource) =>
    'library' in s ? libraryCaseId(s.library) : 'file' in s ? s.file.image : s.open.volumeId;

  async function caseName(source: Extract<CaseSource, { library: unknown }>): Promise<string> {
    const { seriesId, segmentationId } = source.library;
    const record = host.library().record(seriesId);
    const saved = (await host.store().list(seriesId)).find(
      (s) => s.segmentationId === segmentationId,
    );
    return `${record.seriesDescription || seriesId} / ${saved?.name ?? segmentationId}`;
  }

  return { resolve, sourceId, caseName };
}
