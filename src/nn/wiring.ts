import type { Architecture, BlockDef, ConvDef } from './architecture';

/**
 * The operations a segmenter is made of, for one runtime. Every consumer of the network (the
 * tfjs forward pass, the ONNX inference graph, the ONNX training-step graph) implements these and
 * calls the wiring below, so the network's topology is written once.
 */
export interface SegmenterOps<T> {
  /** Convolution `c`, followed by batch norm `bn` when given (no activation). */
  conv(x: T, c: ConvDef, bn?: string): T;
  relu(x: T): T;
  add(a: T, b: T): T;
  /** Max pooling 3x3(x3), stride 2, padding 1 (in-plane only for the 2d kind). */
  maxPool(x: T): T;
  /** Nearest upsampling by an integer factor (in-plane only for the 2d kind). */
  upsample(x: T, factor: number): T;
  /** Concatenation along the channel axis. */
  concat(a: T, b: T): T;
}

export function wireStem<T>(a: Architecture, ops: SegmenterOps<T>, x: T): T {
  return ops.relu(ops.conv(x, a.stem.conv, a.stem.bn));
}

export function wireBlock<T>(block: BlockDef, ops: SegmenterOps<T>, x: T): T {
  const h = ops.relu(ops.conv(x, block.conv1, block.bn1));
  const out = ops.conv(h, block.conv2, block.bn2);
  const identity = block.downsample ? ops.conv(x, block.downsample.conv, block.downsample.bn) : x;
  return ops.relu(ops.add(out, identity));
}

/** The encoder's features [stem, layer1, layer2, layer3, layer4]. */
export function wireEncoder<T>(a: Architecture, ops: SegmenterOps<T>, x: T): T[] {
  const stem = wireStem(a, ops, x);
  const features = [stem];
  let y = ops.maxPool(stem);
  for (const layer of a.layers) {
    for (const block of layer) y = wireBlock(block, ops, y);
    features.push(y);
  }
  return features;
}

/** Logits at the input's resolution. */
export function wireSegmenter<T>(a: Architecture, ops: SegmenterOps<T>, x: T): T {
  const features = wireEncoder(a, ops, x);
  let y = features[4];
  let stride = a.strides[4];
  for (const stage of a.decoder) {
    const skipStride = a.strides[stage.skip];
    const up = stride > skipStride ? ops.upsample(y, stride / skipStride) : y;
    y = ops.relu(ops.conv(ops.concat(up, features[stage.skip]), stage.conv, stage.bn));
    stride = skipStride;
  }
  // A 1x1 convolution commutes with nearest upsampling: classify first, at a quarter of the cost.
  const logits = ops.conv(y, a.head);
  return stride > 1 ? ops.upsample(logits, stride) : logits;
}
