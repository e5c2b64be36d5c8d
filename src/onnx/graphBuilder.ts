import {
  AttributeType,
  DataType,
  type Attribute,
  type Node,
  type Tensor,
  type ValueInfo,
} from './schema';

/** Integer, integer list or string attributes: all that the segmenter's operators take. */
export type AttributeValue = number | number[] | string;

function attribute(name: string, value: AttributeValue): Attribute {
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  return { name, type: AttributeType.INT, i: value };
}

/** Little-endian bytes of a typed array, as TensorProto.raw_data holds them. */
function rawBytes(values: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(values.byteLength);
  const view = new DataView(bytes.buffer);
  if (values instanceof Float32Array) values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return bytes;
}

/** A symbolic dimension (a name) or a fixed one. */
export type Dim = string | number;

export function tensorInfo(name: string, dims: Dim[]): ValueInfo {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })),
        },
      },
    },
  };
}

/** Collects nodes and initializers in order; each node's output gets a fresh unique name. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  private count = 0;

  constant(name: string, dims: number[], values: Float32Array | BigInt64Array): string {
    const data_type = values instanceof Float32Array ? DataType.FLOAT : DataType.INT64;
    this.initializers.push({ name, dims, data_type, raw_data: rawBytes(values) });
    return name;
  }

  ints(name: string, values: number[]): string {
    return this.constant(name, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** A node with several outputs (MaxPool with its indices): their fresh names, in order. */
  nodeOutputs(
    op: string,
    inputs: string[],
    count: number,
    attributes: Record<string, AttributeValue> = {},
  ): string[] {
    const name = `${op.toLowerCase()}_${this.count++}`;
    const outputs = Array.from({ length: count }, (_, i) => `${name}_${i}`);
    this.nodes.push({
      name,
      op_type: op,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  node(
    op: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    output?: string,
  ): string {
    const name = `${op.toLowerCase()}_${this.count++}`;
    const out = output ?? name;
    this.nodes.push({
      name,
      op_type: op,
      input: inputs,
      output: [out],
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }
}
