/** One input or output of the model as Triton declares it (without the batch dimension). */
export interface TritonTensor {
  name: string;
  /** Triton's DataType name, e.g. TYPE_FP32 */
  dataType: string;
  /** -1 where the size is free */
  dims: number[];
}

export interface TritonConfig {
  name: string;
  /** 0: no batching (then dims include the batch dimension) */
  maxBatchSize: number;
  inputs: TritonTensor[];
  outputs: TritonTensor[];
  instances: { count: number; kind: 'KIND_GPU' | 'KIND_CPU' | 'KIND_AUTO' };
  /** free-form string parameters the model carries (what a client must do to its input) */
  parameters: Record<string, string>;
}

/** A string in protobuf text format: double quotes, with \ and " and control bytes escaped. */
function quoted(text: string): string {
  const escaped = [...text]
    .map((c) => {
      if (c === '\\' || c === '"') return `\\${c}`;
      if (c === '\n') return '\\n';
      const code = c.charCodeAt(0);
      return code < 0x20 ? `\\${code.toString(8).padStart(3, '0')}` : c;
    })
    .join('');
  return `"${escaped}"`;
}

function tensors(field: string, list: TritonTensor[]): string[] {
  return list.flatMap((t) => [
    `${field} {`,
    `  name: ${quoted(t.name)}`,
    `  data_type: ${t.dataType}`,
    `  dims: [ ${t.dims.join(', ')} ]`,
    '}',
  ]);
}

/**
 * A model's `config.pbtxt` for NVIDIA Triton's ONNX Runtime backend: Triton's ModelConfig
 * message (model_config.proto) in protobuf text format.
 */
export function tritonConfigText(config: TritonConfig): string {
  return [
    `name: ${quoted(config.name)}`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${config.maxBatchSize}`,
    ...tensors('input', config.inputs),
    ...tensors('output', config.outputs),
    'instance_group {',
    `  count: ${config.instances.count}`,
    `  kind: ${config.instances.kind}`,
    '}',
    // requests for single patches are gathered into batches up to max_batch_size
    ...(config.maxBatchSize > 0 ? ['dynamic_batching {', '}'] : []),
    ...Object.entries(config.parameters).flatMap(([key, value]) => [
      'parameters {',
      `  key: ${quoted(key)}`,
      `  value { string_value: ${quoted(value)} }`,
      '}',
    ]),
    '',
  ].join('\n');
}
