/**
 * The segmenter's layout: a torchvision ResNet-18/34 encoder (BasicBlock, torchvision's parameter
 * names) and a light U-Net decoder, described once as plain data. The forward pass, the weight
 * import and the 2D->3D conversion all read this description, so they cannot disagree on a name,
 * a shape or a stride.
 */
export type ConvKind = '2d' | 'acs' | '3d';
export type ResNetName = 'resnet18' | 'resnet34';

export interface SegmenterConfig {
  architecture: ResNetName;
  kind: ConvKind;
  /** Input channels: 3 for ImageNet weights (the slice repeated, or three neighbouring slices). */
  inChannels: number;
  numClasses: number;
  /** Layers 3 and 4 trade their stride for dilation 2 and 4 (output stride 8), as in the paper. */
  dilated: boolean;
  /** Width of conv1 and layer1; layers 2-4 double it. 64 is torchvision's ResNet. */
  baseWidth: number;
  /** Output channels of the four decoder stages, at strides 16, 8, 4 and 2. */
  decoderChannels: [number, number, number, number];
  /** Kernel depth T of the inflated (3d) convolutions with k > 1; 0 keeps T = k. */
  depthKernel: number;
  /**
   * Whether the 3d encoder strides and pools along depth as it does in-plane (true, the default:
   * the paper's inflated network). False keeps the depth: strides and pooling in-plane only, as
   * the 2D network slice by slice, so a centre (zero-weight) inflated network equals the 2D one
   * exactly. 3d kind only.
   */
  depthStrides?: boolean;
}

export const DEFAULT_CONFIG: SegmenterConfig = {
  architecture: 'resnet18',
  kind: 'acs',
  inChannels: 3,
  numClasses: 2,
  dilated: false,
  baseWidth: 64,
  decoderChannels: [128, 64, 32, 16],
  depthKernel: 0,
};

export interface ConvDef {
  name: string;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: number;
  dilation: number;
  bias: boolean;
}

export interface BlockDef {
  conv1: ConvDef;
  bn1: string;
  conv2: ConvDef;
  bn2: string;
  downsample?: { conv: ConvDef; bn: string };
}

export interface DecoderStageDef {
  conv: ConvDef;
  bn: string;
  /** Index into the encoder features [stem, layer1, layer2, layer3] this stage concatenates. */
  skip: number;
}

export interface Architecture {
  stem: { conv: ConvDef; bn: string };
  layers: BlockDef[][];
  /** Output stride of each encoder feature: [stem, layer1, layer2, layer3, layer4]. */
  strides: number[];
  decoder: DecoderStageDef[];
  head: ConvDef;
}

const BLOCKS: Record<ResNetName, number[]> = { resnet18: [2, 2, 2, 2], resnet34: [3, 4, 6, 3] };

function conv(
  name: string,
  cin: number,
  cout: number,
  k: number,
  stride = 1,
  dilation = 1,
  bias = false,
): ConvDef {
  return {
    name,
    cin,
    cout,
    k,
    stride,
    pad: k === 1 ? 0 : dilation * ((k - 1) / 2),
    dilation,
    bias,
  };
}

/** Whether strides, pooling and upsampling act along depth (never for 2d; 3d unless told not to). */
export function stridesInDepth(config: SegmenterConfig): boolean {
  return config.kind !== '2d' && config.depthStrides !== false;
}

export function describe(config: SegmenterConfig): Architecture {
  if (config.depthStrides === false && config.kind !== '3d')
    throw new Error(`depth-stride-free encoders are 3d only, not ${config.kind}`);
  const w = config.baseWidth;
  const stem = { conv: conv('conv1', config.inChannels, w, 7, 2), bn: 'bn1' };
  const strides = [2, 4];
  const layers: BlockDef[][] = [];
  let inplanes = w;
  let dilation = 1;
  let stride = 4;
  BLOCKS[config.architecture].forEach((count, i) => {
    const planes = w * 2 ** i;
    let layerStride = i === 0 ? 1 : 2;
    // torchvision's replace_stride_with_dilation: the first block keeps the previous dilation.
    const previous = dilation;
    if (config.dilated && i >= 2) {
      dilation *= layerStride;
      layerStride = 1;
    }
    const blocks: BlockDef[] = [];
    for (let b = 0; b < count; b++) {
      const prefix = `layer${i + 1}.${b}`;
      const s = b === 0 ? layerStride : 1;
      const d = b === 0 ? previous : dilation;
      const block: BlockDef = {
        conv1: conv(`${prefix}.conv1`, inplanes, planes, 3, s, d),
        bn1: `${prefix}.bn1`,
        conv2: conv(`${prefix}.conv2`, planes, planes, 3, 1, d),
        bn2: `${prefix}.bn2`,
      };
      if (b === 0 && (s !== 1 || inplanes !== planes)) {
        block.downsample = {
          conv: conv(`${prefix}.downsample.0`, inplanes, planes, 1, s),
          bn: `${prefix}.downsample.1`,
        };
      }
      blocks.push(block);
      inplanes = planes;
    }
    layers.push(blocks);
    stride *= layerStride;
    if (i > 0) strides.push(stride);
  });
  const skipChannels = [w, w, w * 2, w * 4];
  let channels = w * 8;
  const decoder = config.decoderChannels.map((cout, i) => {
    const skip = 3 - i;
    const stage = {
      conv: conv(`decoder.${i}.conv`, channels + skipChannels[skip], cout, 3),
      bn: `decoder.${i}.bn`,
      skip,
    };
    channels = cout;
    return stage;
  });
  const head = conv('head', channels, config.numClasses, 1, 1, 1, true);
  return { stem, layers, strides, decoder, head };
}

export function allConvs(a: Architecture): ConvDef[] {
  const convs = [a.stem.conv];
  for (const block of a.layers.flat()) {
    convs.push(block.conv1, block.conv2);
    if (block.downsample) convs.push(block.downsample.conv);
  }
  return [...convs, ...a.decoder.map((s) => s.conv), a.head];
}

export function allBatchNorms(a: Architecture): { name: string; channels: number }[] {
  const bns = [{ name: a.stem.bn, channels: a.stem.conv.cout }];
  for (const block of a.layers.flat()) {
    bns.push(
      { name: block.bn1, channels: block.conv1.cout },
      { name: block.bn2, channels: block.conv2.cout },
    );
    if (block.downsample)
      bns.push({ name: block.downsample.bn, channels: block.downsample.conv.cout });
  }
  return [...bns, ...a.decoder.map((s) => ({ name: s.bn, channels: s.conv.cout }))];
}

/** Kernel depth of an inflated convolution: 1 for 1x1 kernels, else T (k unless configured). */
export function kernelDepth(config: SegmenterConfig, c: ConvDef): number {
  if (config.kind !== '3d' || c.k === 1) return 1;
  return config.depthKernel > 0 ? config.depthKernel : c.k;
}

/** The parameter shapes in PyTorch's layout ([out, in, (T,) kh, kw]), keyed by PyTorch name. */
export function parameterShapes(config: SegmenterConfig): Map<string, number[]> {
  const a = describe(config);
  const shapes = new Map<string, number[]>();
  for (const c of allConvs(a)) {
    const depth = config.kind === '3d' ? [kernelDepth(config, c)] : [];
    shapes.set(`${c.name}.weight`, [c.cout, c.cin, ...depth, c.k, c.k]);
    if (c.bias) shapes.set(`${c.name}.bias`, [c.cout]);
  }
  for (const bn of allBatchNorms(a)) {
    for (const p of BN_TENSORS) shapes.set(`${bn.name}.${p}`, [bn.channels]);
  }
  return shapes;
}

export const BN_TENSORS = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** The encoder's names only: what a torchvision ResNet state dict must provide. */
export function isEncoderParameter(name: string): boolean {
  return !name.startsWith('decoder.') && !name.startsWith('head.');
}
