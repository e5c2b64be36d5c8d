// The networks' public API: what the engine (inference, training, compare jobs) calls.
export {
  DEFAULT_CONFIG,
  describe,
  parameterShapes,
  type Architecture,
  type ConvKind,
  type ResNetName,
  type SegmenterConfig,
} from './architecture';
export { acsSplit } from './convert/acsSplit';
export { convertStateDict, type Conversion } from './convert/convertStateDict';
export {
  inflateKernel,
  inflationFactors,
  PAPER_ALPHAS,
  type InflationMethod,
} from './convert/inflateKernel';
export { forwardFlops } from './flops';
export { importTorchvision } from './importTorchvision';
export { slicesToChannels, type SliceChannels } from './input';
export { configFromCard, IntensitySchema, ModelCardSchema, type ModelCard } from './modelCard';
export { CARD_FILE, loadModel, ModelCardError, saveModel, type LoadedModel } from './modelIo';
export { createPredictor, type SegmenterPredictor } from './predictor';
export {
  buildSegmenter,
  calibrateBatchNorm,
  disposeSegmenter,
  encode,
  exportStateDict,
  forward,
  patchProblem,
  predict,
  segmenterConfig,
  trainableVariables,
  type BatchNormMode,
  type BuildOptions,
  type Segmenter,
} from './segmenter';
export {
  createOptimizer,
  lossAndGradients,
  segmentationLoss,
  trainStep,
  type StepOptions,
  type TrainerOptions,
} from './training';
export type { HostTensor, StateDict } from './weights/hostTensor';
export { WeightMismatchError } from './weights/matchStateDict';
export { readPth, WeightFileError } from './weights/readPth';
export { readSafetensors, writeSafetensors } from './weights/readSafetensors';
