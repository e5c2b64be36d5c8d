import { describe, kernelDepth, type ConvDef, type SegmenterConfig } from './architecture';
import { conv2dOutputSize } from './layers/conv2d';

type Size = [number, number, number];

/**
 * Multiply-adds x 2 of every convolution of one forward pass on a [depth, height, width] patch:
 * the figure GFLOP/s are quoted against (batch norm, pooling and the rest are a few percent).
 */
export function forwardFlops(config: SegmenterConfig, patch: Size, batch = 1): number {
  const a = describe(config);
  const flat = config.kind === '2d';
  let total = 0;
  const conv = (c: ConvDef, input: Size): Size => {
    const depthTaps = kernelDepth(config, c);
    const out: Size = [
      flat
        ? input[0]
        : conv2dOutputSize(
            input[0],
            config.kind === '3d' ? depthTaps : 1,
            c.stride,
            config.kind === '3d' ? (c.dilation * (depthTaps - 1)) / 2 : 0,
            c.dilation,
          ),
      conv2dOutputSize(input[1], c.k, c.stride, c.pad, c.dilation),
      conv2dOutputSize(input[2], c.k, c.stride, c.pad, c.dilation),
    ];
    total += 2 * batch * out[0] * out[1] * out[2] * c.cin * c.cout * c.k * c.k * depthTaps;
    return out;
  };
  const stemOut = conv(a.stem.conv, patch);
  const pooled: Size = [
    flat ? stemOut[0] : Math.floor((stemOut[0] - 1) / 2) + 1,
    Math.floor((stemOut[1] - 1) / 2) + 1,
    Math.floor((stemOut[2] - 1) / 2) + 1,
  ];
  const sizes: Size[] = [stemOut];
  let y = pooled;
  for (const layer of a.layers) {
    for (const block of layer) {
      const h = conv(block.conv1, y);
      conv(block.conv2, h);
      if (block.downsample) conv(block.downsample.conv, y);
      y = h;
    }
    sizes.push(y);
  }
  for (const stage of a.decoder) y = conv(stage.conv, sizes[stage.skip]);
  conv(a.head, y);
  return total;
}
