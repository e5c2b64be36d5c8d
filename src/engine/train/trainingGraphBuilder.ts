import type { TrainingGraphBuilder } from './ortTrainer';

/**
 * src/onnx/training's builder of the training-step graph, once it exists there; until then
 * training runs on tfjs and the status says why.
 */
export const trainingGraphBuilder: TrainingGraphBuilder | undefined = undefined;
