import { parameterShapes, type SegmenterConfig } from '../../nn/architecture';
import { sizeOf, type StateDict } from '../../nn/weights/hostTensor';

/** One tensor's place in a flat vector: PyTorch name and layout, offset in floats. */
export interface LayoutEntry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/**
 * Where every tensor of a segmenter lies in the training graph's two flat vectors: `params` (what
 * Adam updates) and `buffers` (batch norm's running statistics). One vector each lets the graph
 * run Adam as a handful of large elementwise ops and lets a GPU provider keep three tensors on
 * the device between steps instead of a hundred.
 */
export interface ParameterLayout {
  params: LayoutEntry[];
  buffers: LayoutEntry[];
  paramCount: number;
  bufferCount: number;
}

export function isBuffer(name: string): boolean {
  return name.endsWith('.running_mean') || name.endsWith('.running_var');
}

export function parameterLayout(config: SegmenterConfig): ParameterLayout {
  const params: LayoutEntry[] = [];
  const buffers: LayoutEntry[] = [];
  let paramCount = 0;
  let bufferCount = 0;
  for (const [name, shape] of parameterShapes(config)) {
    const size = sizeOf(shape);
    if (isBuffer(name)) {
      buffers.push({ name, shape, offset: bufferCount, size });
      bufferCount += size;
    } else {
      params.push({ name, shape, offset: paramCount, size });
      paramCount += size;
    }
  }
  return { params, buffers, paramCount, bufferCount };
}

/** The state dict's tensors laid end to end as `entries` say (every one must be there). */
export function packTensors(
  entries: readonly LayoutEntry[],
  count: number,
  weights: StateDict,
): Float32Array {
  const flat = new Float32Array(count);
  for (const e of entries) {
    const t = weights.get(e.name);
    if (!t) throw new Error(`training graph: the weights have no ${e.name}`);
    if (t.data.length !== e.size)
      throw new Error(
        `training graph: ${e.name} has ${t.data.length} values, the network needs ${e.size} (${e.shape.join('x')})`,
      );
    flat.set(t.data, e.offset);
  }
  return flat;
}

/** The flat vectors back as a state dict (copies, so the vectors can be reused). */
export function unpackTensors(
  layout: ParameterLayout,
  params: Float32Array,
  buffers: Float32Array,
): StateDict {
  const out: StateDict = new Map();
  for (const e of layout.params)
    out.set(e.name, { shape: e.shape, data: params.slice(e.offset, e.offset + e.size) });
  for (const e of layout.buffers)
    out.set(e.name, { shape: e.shape, data: buffers.slice(e.offset, e.offset + e.size) });
  return out;
}
