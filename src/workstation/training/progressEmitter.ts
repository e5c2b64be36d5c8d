import type { TrainingProgress } from '../../engine/train/trainModel';
import type { TrainingHost } from './TrainingHost';

/** Job progress from training progress: steps over the whole budget, with an ETA. */
export function progressEmitter(
  host: TrainingHost,
  jobId: string,
  total: number,
  steps: number,
  offset: (p: TrainingProgress) => number,
  prefix = '',
): (p: TrainingProgress) => void {
  const started = Date.now();
  let first: number | null = null;
  return (p) => {
    // validation comes after the epoch's training steps: the epoch's steps are done
    const done = Math.min(total, offset(p) + (p.phase === 'train' ? p.step : steps));
    first ??= done - 1;
    const rate = (Date.now() - started) / 1000 / Math.max(1, done - first);
    host.emit({
      type: 'job.progress',
      jobId,
      phase: `${prefix}${p.phase}`,
      done,
      total,
      etaSeconds: p.etaSeconds ?? (done > first ? rate * (total - done) : null),
      epoch: p.epoch,
      loss: p.loss,
      backend: p.backend,
    });
  };
}
