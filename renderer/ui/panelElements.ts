/** Small builders for the panels that make their own controls (export, PACS). */

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { text?: string; testId?: string; className?: string; title?: string } = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.text !== undefined) node.textContent = options.text;
  if (options.testId) node.dataset.testid = options.testId;
  if (options.className) node.className = options.className;
  if (options.title) node.title = options.title;
  return node;
}

export function button(text: string, testId: string, title?: string): HTMLButtonElement {
  const node = element('button', { text, testId, title });
  node.type = 'button';
  return node;
}

/** A text (or password) field whose keys stay in it: the app's shortcuts do not fire. */
export function input(
  testId: string,
  options: { type?: 'text' | 'password'; placeholder?: string; label?: string } = {},
): HTMLInputElement {
  const node = element('input', { testId });
  node.type = options.type ?? 'text';
  node.spellcheck = false;
  node.autocomplete = options.type === 'password' ? 'new-password' : 'off';
  if (options.placeholder) node.placeholder = options.placeholder;
  node.setAttribute('aria-label', options.label ?? options.placeholder ?? testId);
  node.addEventListener('keydown', (event) => event.stopPropagation());
  return node;
}

export function select(
  testId: string,
  choices: [value: string, label: string][],
  label: string,
): HTMLSelectElement {
  const node = element('select', { testId });
  node.setAttribute('aria-label', label);
  for (const [value, text] of choices) {
    const option = element('option', { text });
    option.value = value;
    node.append(option);
  }
  return node;
}

/** A labelled row: a caption and its controls. */
export function field(caption: string, ...controls: HTMLElement[]): HTMLLabelElement {
  const node = element('label', { className: 'field' });
  node.append(caption, ...controls);
  return node;
}

export function row(...children: HTMLElement[]): HTMLDivElement {
  const node = element('div', { className: 'row' });
  node.append(...children);
  return node;
}
