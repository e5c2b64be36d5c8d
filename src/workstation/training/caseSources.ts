import { ApiError } from '../../api/errors';
import type { Volume } from '../../volume/Volume';
import type { NamedCase } from './libraryCases';
import { libraryCaseId, loadLibraryCase, seriesName } from './libraryCases';
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
    return { id: volumeId, name: openCaseName(volumeId), volume, labels };
  };
  const sourceId = (s: CaseSource) =>
    'library' in s ? libraryCaseId(s.library) : 'file' in s ? s.file.image : s.open.volumeId;

  /** The library series an open volume shows, if it is one that is still open. */
  const seriesOfVolume = (volumeId: string): string | undefined => {
    try {
      return host.seriesOf?.(volumeId);
    } catch {
      return undefined;
    }
  };

  /**
   * The image a case is of: its SeriesInstanceUID (library and open cases alike), or the image
   * file. Cases of one image are one set: a split keeps them on one side.
   */
  const imageKey = (s: CaseSource): string =>
    'library' in s
      ? `series:${s.library.seriesId}`
      : 'file' in s
        ? `file:${s.file.image}`
        : `series:${seriesOfVolume(s.open.volumeId) ?? s.open.volumeId}`;

  /** An open case by its series' description, as the series list shows it. */
  function openCaseName(volumeId: string): string {
    const seriesId = seriesOfVolume(volumeId);
    if (!seriesId || !host.library().has(seriesId)) return volumeId;
    return `${seriesName(host.library().record(seriesId))} / the open segmentation`;
  }

  async function caseName(source: Extract<CaseSource, { library: unknown }>): Promise<string> {
    const { seriesId, segmentationId } = source.library;
    const saved = (await host.store().list(seriesId)).find(
      (s) => s.segmentationId === segmentationId,
    );
    return `${seriesName(host.library().record(seriesId))} / ${saved?.name ?? segmentationId}`;
  }

  /** The name the user knows a case by: series description and segmentation, or the file. */
  async function nameOf(source: CaseSource): Promise<string> {
    if ('library' in source) return caseName(source);
    if ('file' in source) return source.file.image;
    return openCaseName(source.open.volumeId);
  }

  return { resolve, sourceId, imageKey, caseName, nameOf };
}
