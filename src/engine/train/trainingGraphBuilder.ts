import { buildTrainingGraph } from '../../onnx/training/trainingGraph';
import type { TrainingGraphBuilder } from './ortTrainer';

/** src/onnx/training's builder of the training-step graph, which ONNX Runtime trains with. */
export const trainingGraphBuilder: TrainingGraphBuilder = buildTrainingGraph;
