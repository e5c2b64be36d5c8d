import type { SegmenterConfig } from '../architecture';
import type { SliceChannels } from '../input';

export interface InitMessage {
  type: 'init';
  config: SegmenterConfig;
  slices: SliceChannels;
  /** The weights in PyTorch layout: [name, shape, data] */
  weights: [string, number[], Float32Array][];
}

export interface PredictMessage {
  type: 'predict';
  id: number;
  input: Float32Array;
  count: number;
  patch: [number, number, number];
}

export type ToWorker = InitMessage | PredictMessage;

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; output: Float32Array }
  | { type: 'error'; id: number; message: string };
