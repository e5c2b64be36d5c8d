// The workstation's services headless: `npm run cli -- <command> [options]`.
import { ExitCode } from './exitCodes';
import { runImport } from './commands/import';
import { runSegment } from './commands/segment';
import { runExportOnnx } from './commands/exportOnnx';
import { runTrain } from './commands/train';
import { runCompare } from './commands/compare';
import { runExport } from './commands/export';
import { runBench } from './commands/bench';
import { runBatchCommand } from './commands/batch';
import { errorMessage } from '../errors/errorMessage';

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  import: {
    summary: 'import files, folders, zips and NIfTI into the case library',
    run: runImport,
  },
  segment: { summary: 'segment a DICOM series and write the labelmap as NIfTI', run: runSegment },
  infer: { summary: 'the same as segment', run: runSegment },
  batch: {
    summary: 'segment many series (DICOMweb query, folders, manifest); resumable; Slurm arrays',
    run: runBatchCommand,
  },
  'export-onnx': { summary: 'write a model as .onnx with its card', run: runExportOnnx },
  train: { summary: 'fine-tune a model on annotated cases; --resume goes on', run: runTrain },
  compare: { summary: 'the 2D / 3D (4 inits) / ACS comparison and its report', run: runCompare },
  export: { summary: 'a segmentation to NIfTI or DICOM SEG', run: runExport },
  bench: { summary: 'run a benchmark (bench/<name>.ts)', run: runBench },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: cli <command> [options]   (cli <command> --help for its options)\n\nCommands:\n${lines.join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(help());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`unknown command "${name}"\n\n${help()}`);
    return ExitCode.usage;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
    // node:util parseArgs refuses unknown options and missing values with these codes
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
      ? ExitCode.usage
      : ExitCode.failed;
  }
}

process.exitCode = await main(process.argv.slice(2));
