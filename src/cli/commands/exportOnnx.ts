import { parseArgs } from 'node:util';
import { loadModelEntries } from '../../engine/models/loadModelEntries';
import { exportModelOnnx, OnnxModelError } from '../../onnx/onnxModelFiles';
import { DEFAULT_PATHS } from '../../workstation/paths';
import { ExitCode } from '../exitCodes';

export const EXPORT_ONNX_HELP = `Usage: cli export-onnx --model <id> --out <model.onnx> [options]

Writes a model of the model folder as an ONNX graph (opset 13, batch norm folded, dynamic batch
and patch size; input [batch, channels, depth, height, width], output softmax probabilities
[batch, classes, depth, height, width]) with its model card beside it as <name>.model.json.

Options:
  --model <id>      model id (its folder name) in the model folder          (required)
  --out <path>      the .onnx file to write                                  (required)
  --models <dir>    model folder (default: the bundled models)
  --overwrite       replace existing files
  -h, --help        this text`;

/** `cli export-onnx`: a model folder's network as .onnx plus its card. */
export async function runExportOnnx(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      models: { type: 'string', default: DEFAULT_PATHS.models },
      overwrite: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(EXPORT_ONNX_HELP);
    return ExitCode.ok;
  }
  if (!values.model || !values.out) {
    console.error(EXPORT_ONNX_HELP);
    return ExitCode.usage;
  }
  const entries = await loadModelEntries(values.models);
  const entry = entries.find((m) => m.id === values.model);
  if (!entry) {
    console.error(
      `no model "${values.model}" in ${values.models} (there: ${entries.map((m) => m.id).join(', ') || 'none'})`,
    );
    return ExitCode.usage;
  }
  if (entry.kind !== 'network') {
    console.error(`${entry.id} is a fixed test model, not a network: nothing to export`);
    return ExitCode.usage;
  }
  try {
    const out = await exportModelOnnx(entry.dir, entry.card, values.out, {
      overwrite: values.overwrite,
    });
    console.log(`wrote ${out.onnxPath} (${out.bytes} bytes) and ${out.cardPath}`);
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof OnnxModelError)) throw error;
    console.error(`error: ${error.message}`);
    return ExitCode.failed;
  }
}
