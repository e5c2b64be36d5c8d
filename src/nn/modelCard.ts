import { z } from 'zod';
import type { SegmenterConfig } from './architecture';

/** How the intensities of a volume become the network's input. */
export const IntensitySchema = z.discriminatedUnion('kind', [
  /** CT: clip Hounsfield units to [min, max], then scale to [0, 1] (the paper's 0-1 rescale). */
  z.object({ kind: z.literal('window'), min: z.number(), max: z.number() }),
  /** MR: zero mean, unit variance over the volume (or its foreground). */
  z.object({ kind: z.literal('zscore') }),
  /** Any modality: the volume's own minimum and maximum to [0, 1]. */
  z.object({ kind: z.literal('minmax') }),
]);

export const ModelCardSchema = z.object({
  format: z.literal('acs-workstation-model'),
  version: z.literal(1),
  name: z.string().min(1),
  architecture: z.enum(['resnet18', 'resnet34']),
  kind: z.enum(['2d', 'acs', '3d']),
  dilated: z.boolean(),
  baseWidth: z.number().int().positive(),
  decoderChannels: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  /** Kernel depth of the inflated convolutions (3d); 0 keeps T = k. */
  depthKernel: z.number().int().nonnegative(),
  /**
   * 3d only: false keeps the depth (in-plane strides and pooling only), so zero-weight init
   * starts exactly as the 2D network; absent means true, the paper's network, which strides and
   * pools in depth as in-plane (cheaper: 1/16 of the depth at layer4). The card carries no
   * batch-norm mode: that is how a training runs, not what the network is.
   */
  depthStrides: z.boolean().optional(),
  /** Where the weights came from: a 2D network converted (and how), or trained as they are. */
  conversion: z.object({
    from: z.enum(['2d', 'none']),
    method: z.enum(['centre', 'average', 'scale', 'random', 'none']),
    alphas: z.record(z.string(), z.array(z.number())).optional(),
  }),
  /** Channels the network takes and how slices fill them: one slice repeated, or 2.5D neighbours. */
  input: z.object({
    channels: z.number().int().positive(),
    slices: z.enum(['repeat', 'neighbours']),
  }),
  /** Class names, index 0 the background. */
  classes: z.array(z.string().min(1)).min(2),
  /** Voxel spacing (column, row, slice) in mm that the network expects its input resampled to. */
  inputSpacing: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  intensity: IntensitySchema,
  /** Patch size (depth, height, width) the network was trained on. */
  patchSize: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  /**
   * The DICOM modality (0008,0060: MR, CT, ...) of the images the weights were trained on; the
   * workstation warns before running the model on a series of another one. Absent: not recorded.
   */
  modality: z.string().min(1).max(16).optional(),
  trainedOn: z.array(z.string()).default([]),
  metrics: z.record(z.string(), z.number()).default({}),
  weights: z.string().min(1),
});

export type ModelCard = z.infer<typeof ModelCardSchema>;

export function configFromCard(card: ModelCard): SegmenterConfig {
  return {
    architecture: card.architecture,
    kind: card.kind,
    inChannels: card.input.channels,
    numClasses: card.classes.length,
    dilated: card.dilated,
    baseWidth: card.baseWidth,
    decoderChannels: card.decoderChannels,
    depthKernel: card.depthKernel,
    ...(card.depthStrides === false ? { depthStrides: false } : {}),
  };
}
