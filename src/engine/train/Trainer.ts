import type { StateDict } from '../../nn/weights/hostTensor';
import type { PatchPredictor } from '../inference/PatchPredictor';

/**
 * Adam's state in PyTorch's names and layout (`exp_avg`, `exp_avg_sq` per trainable tensor, as
 * `torch.optim.Adam.state_dict()` keeps them), whichever runtime made it: a checkpoint written on
 * one backend resumes on the other.
 */
export interface AdamState {
  /** updates made so far (t of the last one) */
  step: number;
  /** first moments by parameter name, shaped as the parameter */
  m: StateDict;
  /** second moments */
  v: StateDict;
}

/** Where a trainer starts: the weights (PyTorch names and layout) and, when resuming, Adam. */
export interface TrainerStart {
  weights: StateDict;
  adam?: AdamState;
}

/**
 * One runtime's training step and what the training loop needs around it. The loop (patch
 * sampling, validation, checkpoints, resume, cancel) is the same on every backend.
 */
export interface Trainer {
  /** what trains, for the status: 'onnxruntime-cpu', 'wasm', ... */
  readonly backend: string;
  /**
   * One Adam step on `count` one-channel patches ([n][z][y][x]) and their class labels; returns
   * the loss before the step. Throws with the runtime's reason when the step could not run; the
   * weights and Adam's state are then those before the step.
   */
  step(image: Float32Array, labels: Uint8Array, count: number): Promise<number>;
  /** the current weights (every tensor of the network, batch norm's statistics included) */
  weights(): Promise<StateDict>;
  adam(): Promise<AdamState>;
  /** the current weights as the sliding window's predictor, for validation (caller disposes) */
  predictor(): Promise<{ predictor: PatchPredictor; dispose(): Promise<void> }>;
  dispose(): Promise<void>;
}
