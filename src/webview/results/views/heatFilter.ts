/**
 * The heatmaps are stored grey (value/255 = the map's normalised value, 0.5 at the model's threshold): an SVG
 * filter colours them in the page, transparent well below the threshold, yellow to red above it, without
 * reading pixels (webview resources are another origin: a canvas would be tainted). CSS refers to it by `id`
 * (each view its own, so that a hidden view's filter is never the one in use).
 */
export function heatFilter(id: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '0');
  svg.setAttribute('height', '0');
  svg.setAttribute('aria-hidden', 'true');
  svg.style.position = 'absolute';
  const filter = document.createElementNS(ns, 'filter');
  filter.id = id;
  filter.setAttribute('color-interpolation-filters', 'sRGB');
  // Alpha from the grey value first, then each channel through its table (values at 0, 0.1, ..., 1).
  const matrix = document.createElementNS(ns, 'feColorMatrix');
  matrix.setAttribute('type', 'matrix');
  matrix.setAttribute('values', '1 0 0 0 0  1 0 0 0 0  1 0 0 0 0  1 0 0 0 0');
  const transfer = document.createElementNS(ns, 'feComponentTransfer');
  const tables: [string, string][] = [
    ['feFuncR', '0 0 0 0.2 0.6 1 1 1 1 1 1'],
    ['feFuncG', '0 0 0 0.6 0.9 0.95 0.75 0.5 0.3 0.15 0'],
    ['feFuncB', '0 0 0 0.4 0.1 0 0 0 0 0 0'],
    ['feFuncA', '0 0 0 0 0.15 0.45 0.6 0.7 0.75 0.8 0.85'],
  ];
  for (const [fn, values] of tables) {
    const f = document.createElementNS(ns, fn);
    f.setAttribute('type', 'table');
    f.setAttribute('tableValues', values);
    transfer.append(f);
  }
  filter.append(matrix, transfer);
  svg.append(filter);
  return svg;
}
