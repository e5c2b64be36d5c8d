import { isEncoderParameter, type SegmenterConfig } from './architecture';
import { convertStateDict, type Conversion } from './convert/convertStateDict';
import { buildSegmenter, segmenterConfig, type Segmenter } from './segmenter';
import type { StateDict } from './weights/hostTensor';
import { ignorableTorchvisionTensor, matchStateDict } from './weights/matchStateDict';
import { parameterShapes } from './architecture';

/**
 * A segmenter whose encoder comes from a torchvision ResNet state dict (2D), converted to the
 * configured kind; the decoder and head start at random. The 2D dict is checked against the 2D
 * network first, so a wrong file is reported in the names and shapes the file uses.
 */
export function importTorchvision(
  config: Partial<SegmenterConfig>,
  state2d: StateDict,
  conversion: Conversion,
  source = 'the torchvision weights',
  seed = 1,
): Segmenter {
  const full = segmenterConfig(config);
  const flat = { ...full, kind: '2d' as const };
  const ownNames = (n: string) => n.startsWith('decoder.') || n.startsWith('head.');
  matchStateDict(parameterShapes(flat), state2d, {
    required: isEncoderParameter,
    ignore: (n) => ignorableTorchvisionTensor(n),
    source,
  });
  const encoder: StateDict = new Map(
    [...state2d].filter(
      ([n]) => !ignorableTorchvisionTensor(n) && (isEncoderParameter(n) || ownNames(n)),
    ),
  );
  return buildSegmenter(full, {
    weights: convertStateDict(encoder, full, conversion),
    required: () => false,
    source,
    seed,
  });
}
