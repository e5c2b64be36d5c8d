import type { Viewer } from '../viewer/Viewer';
import { byTestId } from './dom';

/**
 * The toolbar's Crosshair button and `C`: show or hide the crosshair lines (as OHIF's `C`), so
 * that a one-slice stroke in a coronal or sagittal view is not hidden under them. The state is
 * the button's `aria-pressed` and `data-crosshair` on the body.
 */
export class CrosshairToggle {
  private readonly button = byTestId<HTMLButtonElement>('crosshair-toggle');

  constructor(private readonly viewer: Viewer) {
    this.button.addEventListener('click', () => this.toggle());
    this.show(viewer.crosshairVisible);
  }

  toggle(): void {
    this.show(!this.viewer.crosshairVisible);
  }

  private show(shown: boolean): void {
    this.viewer.setCrosshairVisible(shown);
    this.button.setAttribute('aria-pressed', String(shown));
    this.button.classList.toggle('active', shown);
    document.body.dataset.crosshair = shown ? 'shown' : 'hidden';
  }
}
