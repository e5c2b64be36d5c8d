import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** onnx.TensorProto.DataType values the exporter and the importer use. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** onnx.AttributeProto.AttributeType values. */
export const AttributeType = { INT: 2, STRING: 3, INTS: 7 } as const;

let root: protobuf.Root | undefined;

/**
 * The official ONNX schema beside this module: onnx/onnx.proto of ONNX 1.12 verbatim (the version
 * Debian's python3-onnx checks against; Apache-2.0). The build copies it beside the bundles
 * (scripts/build-electron.mjs), which resolve import.meta.url to their own folder.
 */
const ONNX_PROTO_FILE = new URL('./onnx.proto', import.meta.url);

/**
 * The ModelProto message type, built once from the official schema by reflection: no generated
 * code and no hand-written bytes.
 */
export function modelProto(): protobuf.Type {
  root ??= protobuf.parse(readFileSync(ONNX_PROTO_FILE, 'utf8'), { keepCase: true }).root;
  return root.lookupType('onnx.ModelProto');
}

// The plain objects the exporter fills in: the schema's messages, field names as in onnx.proto.
export interface Dimension {
  dim_value?: number;
  dim_param?: string;
}

export interface ValueInfo {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: Dimension[] } } };
}

export interface Attribute {
  name: string;
  type: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

export interface Node {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}

export interface Tensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export interface Model {
  ir_version: number;
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  opset_import: { domain: string; version: number }[];
  metadata_props: { key: string; value: string }[];
  graph: {
    name: string;
    node: Node[];
    initializer: Tensor[];
    input: ValueInfo[];
    output: ValueInfo[];
  };
}

export function encodeModel(model: Model): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem) throw new Error(`onnx export: the graph does not fit onnx.ModelProto (${problem})`);
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes a ModelProto; numbers as plain numbers, bytes as Uint8Array. */
export function decodeModel(bytes: Uint8Array): Model {
  const type = modelProto();
  const message = type.decode(bytes);
  return type.toObject(message, { longs: Number, defaults: false, arrays: true }) as Model;
}
