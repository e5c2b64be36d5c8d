/**
 * The right-hand panel's tabs (Segmentation, AI, Training, Export, PACS), as the WAI-ARIA tabs
 * pattern has them: one panel shown at a time, the chosen tab `aria-selected`, Left/Right/Home/End
 * move between tabs when one has the focus (the pointer over a view takes it: renderer/viewer/SliceKeys). The open tab is `data-tab` on the side panel.
 */
export class Tabs {
  private readonly tabs: HTMLButtonElement[];

  constructor(private readonly list: HTMLElement) {
    this.tabs = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    for (const tab of this.tabs) tab.addEventListener('click', () => this.show(tab));
    list.addEventListener('keydown', (event) => this.move(event));
    const selected = this.tabs.find((t) => t.getAttribute('aria-selected') === 'true');
    if (selected) this.show(selected);
  }

  /** Opens the tab with this name (its text, case ignored) or element. */
  show(which: string | HTMLButtonElement): void {
    const chosen =
      typeof which === 'string'
        ? this.tabs.find((t) => t.textContent?.trim().toLowerCase() === which.toLowerCase())
        : which;
    if (!chosen) throw new Error(`there is no "${String(which)}" tab`);
    for (const tab of this.tabs) {
      const selected = tab === chosen;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(tab.getAttribute('aria-controls') ?? '');
      if (panel) panel.hidden = !selected;
    }
    const side = this.list.closest<HTMLElement>('.side');
    if (side) side.dataset.tab = chosen.textContent?.trim().toLowerCase() ?? '';
  }

  private move(event: KeyboardEvent): void {
    const at = this.tabs.indexOf(event.target as HTMLButtonElement);
    if (at < 0) return;
    const count = this.tabs.length;
    const next =
      event.key === 'ArrowRight'
        ? (at + 1) % count
        : event.key === 'ArrowLeft'
          ? (at - 1 + count) % count
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? count - 1
              : -1;
    const tab = this.tabs[next];
    if (!tab) return;
    // the arrows move between tabs here, not between slices
    event.preventDefault();
    event.stopPropagation();
    this.show(tab);
    tab.focus();
  }
}
