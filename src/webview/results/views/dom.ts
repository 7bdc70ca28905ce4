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

/** Waits before loading a failed image again; after the last, the image fires IMAGE_FAILED. */
const RETRY_MS = [400, 1500, 4000];
/** The event an image shown by setImage fires once it has failed to load after every retry. */
export const IMAGE_FAILED = 'xray-image-failed';
const tries = new WeakMap<HTMLImageElement, { src: string; count: number; timer?: ReturnType<typeof setTimeout> }>();

/**
 * Shows `src` in `img` (not reloading the same one), or hides it when there is none. A load that fails is
 * tried again a few times: in VS Code for the web a thumbnail fetched while another webview's service worker
 * takes over fails once (see src/extension/webviewHtml.ts) and loads on the next try. A file that is really
 * gone fails every time and then fires IMAGE_FAILED.
 */
export function setImage(img: HTMLImageElement, src: string | undefined): void {
  if (src) {
    if (img.getAttribute('src') !== src) {
      watchFailures(img);
      clearTimeout(tries.get(img)?.timer);
      tries.set(img, { src, count: 0 });
      img.src = src;
    }
    img.hidden = false;
  } else {
    clearTimeout(tries.get(img)?.timer);
    tries.delete(img);
    img.hidden = true;
    img.removeAttribute('src');
  }
}

const watched = new WeakSet<HTMLImageElement>();

function watchFailures(img: HTMLImageElement): void {
  if (watched.has(img)) return;
  watched.add(img);
  img.addEventListener('error', () => {
    const t = tries.get(img);
    if (!t || img.getAttribute('src') !== t.src) return;
    if (t.count >= RETRY_MS.length) {
      img.dispatchEvent(new Event(IMAGE_FAILED));
      return;
    }
    t.timer = setTimeout(() => {
      if (tries.get(img) !== t) return;
      img.removeAttribute('src');
      img.src = t.src;
    }, RETRY_MS[t.count++]);
  });
}
