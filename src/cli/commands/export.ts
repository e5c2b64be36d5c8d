import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError } from '../../api/errors';
import { errorMessage } from '../../errors/errorMessage';
import { exportLabelmapFile } from '../../workstation/export/labelmapFileExport';
import { exportSavedSegmentation } from '../../workstation/export/savedSegmentationExport';
import { appVersion, dataFolder } from '../../workstation/paths';
import { ExitCode } from '../exitCodes';
import { UsageError } from '../options';
import { exitCodeOf } from '../trainingSession';

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
                          instances). A library series needs none: its SEG references the
                          images import recorded, even when their files are gone
  --out <path>            the file to write                                        (required)
  --format <nifti|seg>    default: seg when --out ends in .dcm, else nifti
  --overwrite             replace existing files
  --data <dir>            the data folder (default: $WORKSTATION_DATA or the app's)
  -h, --help              this text

Exit codes: 0 written, 1 failed, 2 bad command line, 3 bad input (missing segmentation, another
grid, an existing file without --overwrite).`;

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
    if (
      fromLibrary &&
      (!values.series || !values.segmentation || positionals.length || values.reference)
    )
      throw new UsageError(
        'give --series and --segmentation (and no labelmap file or --reference)',
      );
    if (!fromLibrary && (positionals.length !== 1 || !values.reference))
      throw new UsageError('give one labelmap file and its --reference image, or --series');
    format = (values.format ?? (/\.dcm$/i.test(values.out) ? 'seg' : 'nifti')) as 'nifti' | 'seg';
    if (format !== 'nifti' && format !== 'seg')
      throw new UsageError(`--format is nifti or seg, not ${String(values.format)}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${EXPORT_HELP}`);
    return ExitCode.usage;
  }
  const out = resolve(values.out);
  try {
    const written =
      values.series && values.segmentation
        ? await exportSavedSegmentation({
            dataDir: values.data ?? dataFolder(),
            seriesId: values.series,
            segmentationId: values.segmentation,
            format,
            path: out,
            overwrite: values.overwrite,
            softwareVersion: appVersion(),
          })
        : await exportLabelmapFile({
            labelmap: positionals[0],
            reference: values.reference ?? '',
            format,
            path: out,
            overwrite: values.overwrite,
            softwareVersion: appVersion(),
          });
    console.log(written.paths.join('\n'));
    return ExitCode.ok;
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
    return error instanceof ApiError && error.code === 'exists'
      ? ExitCode.badInput
      : exitCodeOf(error);
  }
}
