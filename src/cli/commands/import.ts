import { parseArgs } from 'node:util';
import {
  defaultLibraryFolder,
  ImportCancelled,
  importIntoLibrary,
} from '../../workstation/library/libraryImport';
import type { ImportReport, SeriesRecord } from '../../workstation/library/libraryImport';
import { ExitCode } from '../exitCodes';
import { progressReporter } from '../progress';

export const IMPORT_HELP = `Usage: cli import <path>... [options]

Imports DICOM files, folders (recursively, following a DICOMDIR), zip archives and NIfTI files
(.nii, .nii.gz) into the local case library, and prints what it found: the series stored, those
already in the library, the files skipped and every error with the file it concerns.

Options:
  --library <dir>   the case library (default: ${defaultLibraryFolder()},
                    or $WORKSTATION_DATA/library)
  --replace         read and store again series the library already holds
  --json            print the report as JSON on stdout
  -h, --help        this text`;

function describe(r: SeriesRecord): string {
  const [c, rows, slices] = r.geometry.dimensions;
  const who = [r.patientName || '(no name)', r.studyDate, r.studyDescription].filter(Boolean);
  return `${r.modality || '--'} ${r.seriesDescription || '(no description)'}  ${c}x${rows}x${slices} ${r.voxelType}  ${who.join(' / ')}`;
}

function printReport(report: ImportReport, elapsed: number): void {
  const line = (text = '') => console.log(text);
  line(
    `${report.files} files in ${(elapsed / 1000).toFixed(1)} s: ${report.imported.length} series imported, ${report.existing.length} already in the library, ${report.skipped.length} files skipped, ${report.failed.length} errors`,
  );
  for (const r of report.imported) {
    line(`  + ${describe(r)}`);
    for (const w of r.warnings) line(`      warning (${w.code}): ${w.message}`);
  }
  for (const r of report.existing) line(`  = ${describe(r)}`);
  if (report.skipped.length) {
    const counts = new Map<string, number>();
    for (const s of report.skipped) {
      const reason = s.message.slice(s.path.length + 2);
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    line('skipped (no image volume):');
    for (const [reason, count] of counts) line(`  ${count} x ${reason}`);
  }
  if (report.failed.length) {
    line('errors:');
    for (const f of report.failed) line(`  ! ${f.message}`);
  }
}

/** `cli import`: files, folders, zips and NIfTI into the case library, with a progress bar. */
export async function runImport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      library: { type: 'string' },
      replace: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(IMPORT_HELP);
    return ExitCode.ok;
  }
  if (positionals.length === 0) {
    console.error(IMPORT_HELP);
    return ExitCode.usage;
  }
  const library = values.library ?? defaultLibraryFolder();
  const progress = progressReporter();
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  const started = performance.now();
  let current = { key: '', since: started };
  try {
    const report = await importIntoLibrary(library, positionals, {
      signal: controller.signal,
      replace: values.replace,
      onProgress: ({ phase, done, total, detail }) => {
        // The rate, hence the ETA, is per phase: scanning headers is far faster than reading.
        const key = `${phase} ${detail}`;
        if (key !== current.key) current = { key, since: performance.now() };
        const rate = done / ((performance.now() - current.since) / 1000);
        const eta = done && Number.isFinite(rate) && rate > 0 ? (total - done) / rate : null;
        progress.update(detail ? `${phase} ${detail}` : phase, done, total, eta);
      },
    });
    progress.finish();
    if (values.json) console.log(JSON.stringify(report, null, 1));
    else printReport(report, performance.now() - started);
    return report.failed.length && !report.imported.length && !report.existing.length
      ? ExitCode.failed
      : ExitCode.ok;
  } catch (error) {
    progress.finish();
    if (error instanceof ImportCancelled) {
      progress.message('import cancelled: the series stored so far are kept, whole');
      return ExitCode.cancelled;
    }
    throw error;
  } finally {
    process.off('SIGINT', cancel);
  }
}
