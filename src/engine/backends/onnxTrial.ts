import type { ModelCard } from '../../nn/modelCard';
import type { OnnxRuntime } from './onnxRuntime';

/**
 * Runs a graph once on a zero patch of its card's size: ONNX Runtime must load it (every operator
 * known) and give [1, classes, depth, height, width]. What an imported graph must pass.
 */
export async function tryGraph(
  runtime: OnnxRuntime,
  bytes: Uint8Array,
  card: ModelCard,
): Promise<void> {
  const { ort } = runtime;
  const session = await ort.InferenceSession.create(bytes, runtime.sessionOptions);
  try {
    const shape = [1, card.input.channels, ...card.patchSize];
    const x = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
    const y = (await session.run({ [session.inputNames[0]]: x }))[session.outputNames[0]];
    const want = [1, card.classes.length, ...card.patchSize];
    if (y.dims.length !== 5 || y.dims.some((d, i) => d !== want[i]))
      throw new Error(
        `on a ${card.patchSize.join('x')} patch it gives [${y.dims.join(', ')}], not [${want.join(', ')}]`,
      );
  } finally {
    await session.release();
  }
}
