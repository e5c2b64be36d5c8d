import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readDicomFolder } from '../../dicom/readDicomFolder';
import type { SegmentDefinition } from '../../dicom/seg/Segment';
import { exportDicomSeg } from '../../export/exportDicomSeg';
import { exportNiftiLabelmap } from '../../export/exportNiftiLabelmap';
import { readLabelTableBeside } from '../../export/labelTable';
import { CaseLibrary } from '../../library/CaseLibrary';
import { dataFolder } from '../../library/dataFolder';
import { FileExistsError } from '../../files/atomicWrite';
import type { Volume } from '../../volume/Volume';
import { appVersion } from '../../workstation/paths';
import { SegmentationStore } from '../../workstation/segmentations/SegmentationStore';
import { InputError, readImage, readLabelsOnto } from '../caseFiles';
import { ExitCode } from '../exitCodes';
import { UsageError } from '../options';
import { exitCodeOf } from '../trainingSession';
import { errorMessage } from '../../errors/errorMessage';

export const EXPORT_HELP = `Usage: cli export --series <series-id> --segmentation <segmentation-id> --out <path> [options]
       cli export <labels.nii.gz> --reference <image> --out <path> [options]

Writes a segmentation as NIfTI (.nii / .nii.gz, with a JSON label table and an ITK-SNAP label
file beside it) or as a DICOM Segmentation object (--format seg). The segmentation is a saved one
of a library series (as the app autosaves it), or a NIfTI labelmap on the grid of --reference.

Options:
  --series <id>           a library series ...
  --segmentation <id>     ... and one of its saved segmentations
  --reference <image>     the image a labelmap file belongs to (DICOM folder or NIfTI); for a
                          DICOM SEG it must be the DICOM series folder (the SEG references its
                          instances), also for a library series
  --out <path>            the file to write                                        (required)
  --format <nifti|seg>    default: seg when --out ends in .dcm, else nifti
  --overwrite             replace existing files
  --data <dir>            the data folder (default: $WORKSTATION_DATA or the app's)
  -h, --help              this text

Exit codes: 0 written, 1 failed, 2 bad command line, 3 bad input (missing segmentation, another
grid, an existing file without --overwrite).`;

interface Source {
  geometry: Volume['geometry'];
  labels: Uint8Array;
  segments: SegmentDefinition[];
  name: string;
}

function definitions(
  segments: { index: number; label: string; color: [number, number, number] }[],
) {
  return segments.map((s): SegmentDefinition => ({
    labelValue: s.index,
    label: s.label,
    color: s.color,
    kind: 'tissue',
    algorithmType: 'MANUAL',
  }));
}

/** Segments for the values a labelmap holds, when no label table names them. */
function unnamedSegments(labels: Uint8Array): SegmentDefinition[] {
  const present = new Set<number>();
  for (const v of labels) if (v) present.add(v);
  return definitions(
    [...present]
      .sort((a, b) => a - b)
      .map((index) => ({ index, label: `Segment ${index}`, color: [255, 0, 0] })),
  );
}

/** `cli export`: a library segmentation or a labelmap file to NIfTI or DICOM SEG. */
export async function runExport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      series: { type: 'string' },
      segmentation: { type: 'string' },
      reference: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      overwrite: { type: 'boolean', default: false },
      data: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(EXPORT_HELP);
    return ExitCode.ok;
  }
  let format: 'nifti' | 'seg';
  try {
    if (!values.out) throw new UsageError('--out is required');
    const fromLibrary = Boolean(values.series || values.segmentation);
    if (fromLibrary && (!values.series || !values.segmentation || positionals.length))
      throw new UsageError('give --series and --segmentation (and no labelmap file)');
    if (!fromLibrary && (positionals.length !== 1 || !values.reference))
      throw new UsageError('give one labelmap file and its --reference image, or --series');
    format = (values.format ?? (/\.dcm$/i.test(values.out) ? 'seg' : 'nifti')) as 'nifti' | 'seg';
    if (format !== 'nifti' && format !== 'seg')
      throw new UsageError(`--format is nifti or seg, not ${String(values.format)}`);
    if (format === 'seg' && !values.reference)
      throw new UsageError('a DICOM SEG needs --reference <the DICOM series folder>');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${EXPORT_HELP}`);
    return ExitCode.usage;
  }
  const out = resolve(values.out);
  try {
    let source: Source;
    if (values.series && values.segmentation) {
      const dataDir = values.data ?? dataFolder();
      const library = new CaseLibrary(join(dataDir, 'library'));
      if (!library.has(values.series))
        throw new InputError(`series ${values.series} is not in the library`);
      const record = library.record(values.series);
      const { segmentation, labels } = await new SegmentationStore(dataDir).load(
        values.series,
        values.segmentation,
      );
      source = {
        geometry: record.geometry,
        labels,
        segments: definitions(segmentation.segments),
        name: segmentation.name,
      };
    } else {
      const { volume } = await readImage(values.reference ?? '');
      const labels = readLabelsOnto(positionals[0], volume);
      source = {
        geometry: volume.geometry,
        labels,
        segments: (await readLabelTableBeside(positionals[0])) ?? unnamedSegments(labels),
        name: 'Segmentation',
      };
    }
    if (format === 'nifti') {
      const written = await exportNiftiLabelmap(
        out,
        source.geometry,
        source.labels,
        source.segments,
        {
          overwrite: values.overwrite,
          description: source.name,
        },
      );
      console.log(written.join('\n'));
      return ExitCode.ok;
    }
    const dir = values.reference ?? '';
    const series = await readDicomFolder(dir);
    const [a, b] = [series.volume.geometry.dimensions, source.geometry.dimensions];
    if (a.some((n, i) => n !== b[i])) {
      throw new InputError(
        `${dir} is ${a.join(' x ')} voxels, the segmentation ${b.join(' x ')}: not its series`,
      );
    }
    const written = await exportDicomSeg(
      out,
      {
        dir,
        seriesInstanceUid: series.description.seriesInstanceUid,
        geometry: series.volume.geometry,
      },
      source.labels,
      source.segments,
      {
        overwrite: values.overwrite,
        seriesDescription: source.name,
        softwareVersion: appVersion(),
      },
    );
    console.log(written.path);
    return ExitCode.ok;
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
    return error instanceof FileExistsError ? ExitCode.badInput : exitCodeOf(error);
  }
}
