import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CommandParams, CommandResult, LabelmapInfo } from '../../api/commands';
import { ApiError } from '../../api/errors';
import type { ImportedSegment, exportCommandSchemas } from '../../api/exportCommands';
import { decodeSeg } from '../../dicom/seg/decodeSeg';
import { GridMismatchError } from '../../dicom/seg/GridMismatchError';
import { SEGMENT_KINDS, kindOfCodes } from '../../dicom/seg/segmentKinds';
import type { SegmentKind } from '../../dicom/seg/segmentKinds';
import type { SourceSeries } from '../../dicom/seg/SourceSeries';
import { readLabelTableBeside } from '../../export/labelTable';
import { placeLabelmap } from '../../export/placeLabelmap';
import { parseNifti } from '../../nifti/readNifti';
import type { Volume } from '../../volume/Volume';
import type { DicomSourceLookup } from './dicomSource';
import { niftiExport } from './niftiExport';
import { segExport } from './segExport';
import { segmentDefinitions } from './segmentDefinitions';
import { userPath } from './userPath';
import type { Uploads } from './uploads';
import { defaultSegmentColor } from '../../api/segmentColors';
import { errorMessage } from '../../errors/errorMessage';

type Name = keyof typeof exportCommandSchemas;
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

/** What the export handlers need of the workstation. */
export interface ExportHost {
  volume(volumeId: string): Volume;
  seriesOfVolume(volumeId: string): string;
  labelmapEntry(labelmapId: string): { info: LabelmapInfo; labels: Uint8Array };
  addLabelmap(info: LabelmapInfo, labels: Uint8Array): void;
}

export interface ExportContext {
  dicomSource: DicomSourceLookup;
  uploads: Uploads;
  softwareVersion: string;
}

/**
 * What a SEG of the series an open volume shows must reference; a series kept only as a volume
 * cannot get one, and the error says so.
 */
export async function sourceOfVolume(
  host: ExportHost,
  lookup: DicomSourceLookup,
  volumeId: string,
): Promise<SourceSeries> {
  const seriesId = host.seriesOfVolume(volumeId);
  const source = await lookup(seriesId, host.volume(volumeId).geometry);
  if (!source) {
    throw new ApiError(
      'invalid_input',
      `a DICOM SEG references the DICOM images it was drawn on, and series ${seriesId} has none kept (imported from NIfTI, or by a version that did not keep them: import its DICOM files again): export NIfTI instead`,
    );
  }
  return source;
}

function isDicom(bytes: Uint8Array): boolean {
  return (
    bytes.length > 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

function asUint8(labels: Uint8Array | Uint16Array, what: string): Uint8Array {
  if (labels instanceof Uint8Array) return labels;
  for (const v of labels) {
    if (v > 255)
      throw new ApiError(
        'invalid_input',
        `${what} has label ${v}: at most 255 labels can be edited`,
      );
  }
  return Uint8Array.from(labels);
}

/** The segmentation export and import commands. */
export function exportHandlers(host: ExportHost, context: ExportContext): Handlers {
  const decodeFile = async (
    bytes: Uint8Array,
    what: string,
    volumeId: string,
    path: string | undefined,
  ): Promise<{
    labels: Uint8Array;
    format: 'nifti' | 'dicom-seg';
    segments: ImportedSegment[];
  }> => {
    const geometry = host.volume(volumeId).geometry;
    if (isDicom(bytes)) {
      const source = await context
        .dicomSource(host.seriesOfVolume(volumeId), geometry)
        // a series no SEG can reference still takes one on its grid, unchecked for its frame
        .catch(() => undefined);
      const decoded = decodeSeg(bytes, geometry, source?.frameOfReferenceUid);
      return {
        labels: asUint8(decoded.labelmap, what),
        format: 'dicom-seg',
        segments: decoded.segments.map((s) => {
          const kind = kindOfCodes(s.category, s.type);
          return { index: s.labelValue, label: s.label, color: s.color, ...(kind ? { kind } : {}) };
        }),
      };
    }
    const labels = asUint8(placeLabelmap(parseNifti(bytes, what), geometry, what), what);
    const table = path ? await readLabelTableBeside(path) : undefined;
    const present = [...new Set(labels)].filter((v) => v !== 0).sort((a, b) => a - b);
    const segments: ImportedSegment[] = table
      ? table.map((s) => ({ index: s.labelValue, label: s.label, color: s.color, kind: s.kind }))
      : present.map((value, n) => ({
          index: value,
          label: `Label ${value}`,
          color: defaultSegmentColor(n),
        }));
    return { labels, format: 'nifti', segments };
  };

  return {
    listSegmentKinds: async () =>
      (Object.keys(SEGMENT_KINDS) as SegmentKind[]).map((kind) => ({
        kind,
        category: { ...SEGMENT_KINDS[kind].category },
        type: { ...SEGMENT_KINDS[kind].type },
      })),

    exportSegmentation: async ({ labelmapId, format, path, overwrite, name, segments }) => {
      const entry = host.labelmapEntry(labelmapId);
      const { volumeId } = entry.info;
      const target = userPath(path);
      const definitions = segmentDefinitions(segments, entry.labels);
      const options = { overwrite: overwrite ?? false, name };
      if (format === 'nifti') {
        return niftiExport(
          target,
          host.volume(volumeId).geometry,
          entry.labels,
          definitions,
          options,
        );
      }
      const source = await sourceOfVolume(host, context.dicomSource, volumeId);
      return segExport(target, source, entry.labels, definitions, {
        ...options,
        softwareVersion: context.softwareVersion,
      });
    },

    importSegmentation: async ({ volumeId, path, uploadId }) => {
      host.volume(volumeId);
      const file = uploadId ? await context.uploads.path(uploadId) : userPath(path ?? '');
      const what = uploadId ? 'the uploaded file' : file;
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw new ApiError('io_error', `cannot read ${file}: ${(error as Error).message}`);
      }
      try {
        const decoded = await decodeFile(bytes, what, volumeId, uploadId ? undefined : file);
        const labelmapId = `import-${randomUUID()}`;
        const classes = ['background'];
        for (const s of decoded.segments) classes[s.index] = s.label;
        const counts = new Array<number>(classes.length).fill(0);
        for (const v of decoded.labels) if (v < counts.length) counts[v]++;
        host.addLabelmap(
          { labelmapId, volumeId, classes: Array.from(classes, (c) => c ?? ''), counts },
          decoded.labels,
        );
        return {
          labelmapId,
          format: decoded.format,
          name: uploadId
            ? 'Imported segmentation'
            : basename(file).replace(/\.(nii(\.gz)?|dcm)$/i, ''),
          segments: decoded.segments,
        };
      } catch (error) {
        if (error instanceof ApiError) throw error;
        const message = errorMessage(error);
        if (error instanceof GridMismatchError) throw new ApiError('invalid_input', message);
        throw new ApiError(
          'invalid_input',
          message.startsWith(what) ? message : `${what}: ${message}`,
        );
      } finally {
        if (uploadId) await context.uploads.remove(uploadId);
      }
    },
  };
}
