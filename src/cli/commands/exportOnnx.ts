import { parseArgs } from 'node:util';
import { ApiError } from '../../api/errors';
import {
  exportFolderModelOnnx,
  exportFolderModelTriton,
} from '../../workstation/onnx/modelFolderExport';
import { DEFAULT_PATHS } from '../../workstation/paths';
import { ExitCode } from '../exitCodes';
import { intOption, UsageError } from '../options';

export const EXPORT_ONNX_HELP = `Usage: cli export-onnx --model <id> --out <model.onnx> [options]
       cli export-onnx --model <id> --triton <repository> [options]

Writes a model of the model folder as an ONNX graph (opset 13, batch norm folded, dynamic batch
and patch size; input [batch, channels, depth, height, width], output softmax probabilities
[batch, classes, depth, height, width]) with its model card beside it as <name>.model.json.

Options:
  --model <id>      model id (its folder name) in the model folder          (required)
  --out <path>      the .onnx file to write                                  (required)
  --models <dir>    model folder (default: the bundled models)
  --overwrite       replace existing files
  -h, --help        this text

NVIDIA Triton Inference Server (ONNX Runtime backend):
  --triton <repo>         write <repo>/<name>/1/model.onnx, <name>/config.pbtxt and the model
                          card beside it (<name>/model-card.json: the patch size, spacing,
                          normalisation and classes a client must apply; Triton sees patches)
  --name <name>           the model's name in the repository (default: the model id)
  --max-batch <n>         max_batch_size: patches Triton may batch together (default 4; 0 off)
  --instances <n>         model instances per GPU, or on the CPU (default 1)
  --instance-kind <gpu|cpu|auto>   where instances run (default gpu)`;

/** `cli export-onnx`: a model folder's network as .onnx plus its card. */
export async function runExportOnnx(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      models: { type: 'string', default: DEFAULT_PATHS.models },
      overwrite: { type: 'boolean', default: false },
      triton: { type: 'string' },
      name: { type: 'string' },
      'max-batch': { type: 'string', default: '4' },
      instances: { type: 'string', default: '1' },
      'instance-kind': { type: 'string', default: 'gpu' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(EXPORT_ONNX_HELP);
    return ExitCode.ok;
  }
  if (!values.model || (!values.out && !values.triton)) {
    console.error(EXPORT_ONNX_HELP);
    return ExitCode.usage;
  }
  let triton: { maxBatchSize: number; count: number; kind: 'KIND_GPU' | 'KIND_CPU' | 'KIND_AUTO' };
  try {
    const kind = values['instance-kind'].toUpperCase();
    if (!['GPU', 'CPU', 'AUTO'].includes(kind))
      throw new UsageError(`--instance-kind is gpu, cpu or auto, not "${values['instance-kind']}"`);
    triton = {
      maxBatchSize: intOption('max-batch', values['max-batch'], 0),
      count: intOption('instances', values.instances, 1),
      kind: `KIND_${kind}` as 'KIND_GPU' | 'KIND_CPU' | 'KIND_AUTO',
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${EXPORT_ONNX_HELP}`);
    return ExitCode.usage;
  }
  const modelId = values.model;
  try {
    if (values.triton) {
      const written = await exportFolderModelTriton(values.models, modelId, values.triton, {
        name: values.name ?? modelId,
        maxBatchSize: triton.maxBatchSize,
        instances: { count: triton.count, kind: triton.kind },
        overwrite: values.overwrite,
      });
      console.log(`wrote ${written.configPath}, ${written.onnxPath} and ${written.cardPath}`);
    }
    if (!values.out) return ExitCode.ok;
    const out = await exportFolderModelOnnx(values.models, modelId, values.out, {
      overwrite: values.overwrite,
    });
    console.log(`wrote ${out.onnxPath} (${out.bytes} bytes) and ${out.cardPath}`);
    return ExitCode.ok;
  } catch (error) {
    // no such model, or a fixed one: the command line named the wrong model; a file that cannot
    // be written fails in main ("error: ...", exit 1)
    if (!(error instanceof ApiError)) throw error;
    console.error(error.message);
    return ExitCode.usage;
  }
}
