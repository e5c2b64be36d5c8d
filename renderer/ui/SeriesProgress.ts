import { byTestId } from './dom';

/**
 * What a series switch is doing, over the views (which keep showing the last picture until the
 * new one is drawn): opening, the voxels received so far, drawing, segmentations. Tests read the
 * step on `document.body.dataset.seriesLoading` (empty once done).
 */
export class SeriesProgress {
  private readonly box = byTestId('view-progress');
  private readonly text = byTestId('view-progress-text');
  private readonly bar = byTestId<HTMLProgressElement>('view-progress-bar');

  /** A step, with the part of it done (0..1) where known. */
  show(step: string, done: number | null = null): void {
    this.box.hidden = false;
    this.text.textContent = step;
    if (done === null) this.bar.removeAttribute('value');
    else this.bar.value = done;
    document.body.dataset.seriesLoading = step;
  }

  hide(): void {
    this.box.hidden = true;
    document.body.dataset.seriesLoading = '';
  }
}
