import { describeError } from '../api/responses';
import { byTestId } from './dom';

/** The red line under the toolbar that shows the last failure until it is dismissed. */
export class ErrorBanner {
  private readonly banner = byTestId('error-banner');
  private readonly message = byTestId('error-message');

  constructor() {
    byTestId('error-dismiss').addEventListener('click', () => this.clear());
  }

  show(context: string, error: unknown): void {
    const text = `${context}: ${describeError(error)}`;
    console.error(text, error);
    this.message.textContent = text;
    this.banner.hidden = false;
  }

  clear(): void {
    this.banner.hidden = true;
    this.message.textContent = '';
  }
}
