/** Small element helpers the results panel's views share. */
export function div(className: string): HTMLElement {
  const d = document.createElement('div');
  d.className = className;
  return d;
}

export function button(label: string, secondary: boolean, onClick: () => void): HTMLElement {
  const b = document.createElement('vscode-button') as HTMLElement & { secondary: boolean };
  b.textContent = label;
  b.secondary = secondary;
  b.addEventListener('click', onClick);
  return b;
}
