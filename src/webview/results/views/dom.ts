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

/** Shows `src` in `img` (not reloading the same one), or hides it when there is none. */
export function setImage(img: HTMLImageElement, src: string | undefined): void {
  if (src) {
    if (img.getAttribute('src') !== src) img.src = src;
    img.hidden = false;
  } else {
    img.hidden = true;
    img.removeAttribute('src');
  }
}
