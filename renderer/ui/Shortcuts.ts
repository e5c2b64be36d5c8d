import { byTestId } from './dom';

export interface Shortcut {
  keys: string;
  does: string;
  /** what the key does; returning false lets the browser have the key too */
  run?: (event: KeyboardEvent) => unknown;
  match?: (event: KeyboardEvent) => boolean;
}

const key =
  (name: string, modifiers: { ctrl?: boolean; shift?: boolean } = {}) =>
  (event: KeyboardEvent): boolean =>
    event.key.toLowerCase() === name.toLowerCase() &&
    (event.ctrlKey || event.metaKey) === !!modifiers.ctrl &&
    (modifiers.shift === undefined || event.shiftKey === modifiers.shift);

export { key };

/**
 * The keyboard shortcuts: one table drives both the key handling and the help panel (toggled by
 * "?"), so the panel never lists a key that does nothing. Keys typed in a field are left alone.
 */
export class Shortcuts {
  private readonly panel = byTestId('help-panel');

  constructor(private readonly table: Shortcut[]) {
    byTestId('help').addEventListener('click', () => this.toggle());
    byTestId('help-close').addEventListener('click', () => this.toggle(false));
    const rows = byTestId<HTMLTableElement>('help-table');
    for (const shortcut of table) {
      const row = rows.insertRow();
      const keys = row.insertCell();
      keys.textContent = shortcut.keys;
      keys.className = 'keys';
      row.insertCell().textContent = shortcut.does;
    }
    document.addEventListener('keydown', (event) => this.handle(event));
  }

  toggle(show = this.panel.hidden): void {
    this.panel.hidden = !show;
  }

  private handle(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null;
    if (target?.closest('input[type="text"], input[type="number"], select, textarea')) return;
    if (event.key === '?') {
      this.toggle();
      event.preventDefault();
      return;
    }
    if (event.key === 'Escape' && !this.panel.hidden) {
      this.toggle(false);
      return;
    }
    for (const shortcut of this.table) {
      if (shortcut.match?.(event) && shortcut.run) {
        if (shortcut.run(event) !== false) event.preventDefault();
        return;
      }
    }
  }
}
