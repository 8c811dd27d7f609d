// DOM helpers: textContent only, so a system or facility name is never parsed as HTML.

export const $ = (id: string): HTMLElement => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing from the page`);
  return node;
};

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/**
 * Puts `nodes` in `parent` in this order, moving only those out of place: a node that stays put
 * keeps its focus (a keyboard user on an expander is not thrown to the top by the next frame).
 */
export function reconcile(parent: HTMLElement, nodes: HTMLElement[]): void {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild?.remove();
}

/** A group of toggle buttons (aria-pressed), one pressed at a time; `chosen` is called with the pressed one's value. */
export function toggleGroup(group: HTMLElement, chosen: (value: string) => void): void {
  group.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-value]');
    if (!button) return;
    for (const other of group.querySelectorAll('button[data-value]')) other.setAttribute('aria-pressed', String(other === button));
    chosen(button.dataset.value ?? '');
  });
}

export function pressed(group: HTMLElement): string {
  return group.querySelector<HTMLButtonElement>('button[aria-pressed="true"]')?.dataset.value ?? '';
}
