/**
 * A tiny element builder. Attributes go through setAttribute (never a `style` attribute: the webview's
 * CSP forbids inline styles; dynamic sizes use CSSOM properties instead), `on<event>` keys add listeners.
 */
type Child = Node | string | null | undefined | false;
type AttrValue = string | number | boolean | undefined | null | ((ev: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, AttrValue> | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
}

export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

/** Definition-list rows (term, value) replacing the list's content. */
export function fillRows(dl: HTMLElement, rows: Array<[string, string | Node] | false | undefined>): void {
  dl.replaceChildren();
  for (const r of rows) if (r) dl.append(h('dt', null, r[0]), h('dd', null, r[1]));
}

/** A toggle button (aria-pressed) with a visible shortcut hint in its tooltip. */
export function toggleButton(label: string, title: string, onClick: () => void, extraClass = ''): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: `btn ${extraClass}`.trim(), title, 'aria-pressed': 'false', onclick: onClick },
    label,
  );
}

export function button(label: string, title: string, onClick: () => void, extraClass = ''): HTMLButtonElement {
  return h('button', { type: 'button', class: `btn ${extraClass}`.trim(), title, onclick: onClick }, label);
}

export function setPressed(btn: HTMLElement, on: boolean): void {
  btn.setAttribute('aria-pressed', String(on));
}
