/**
 * A grid tile's box marks: an SVG over the thumbnail whose viewBox is the decoded image's size, scaled as the
 * thumbnail is (contain, centred), so each box lands where it was drawn in the viewer whatever the tile's
 * shape. The thumbnail is the whole image scaled down, so image pixels are all it needs.
 */
import type { Mark } from '../marks';

const NS = 'http://www.w3.org/2000/svg';

/** The SVG's viewBox and rectangles for a tile, or undefined when there is nothing to draw (pure). */
export function tileBoxes(
  mark: Pick<Mark, 'boxes'> | undefined,
  size: [number, number] | undefined,
): { viewBox: string; rects: [number, number, number, number][] } | undefined {
  const boxes = mark?.boxes;
  if (!boxes?.length || !size) return undefined;
  const [w, h] = size;
  const rects = boxes
    .filter((b) => b.x < w && b.y < h)
    .map((b): [number, number, number, number] => [b.x, b.y, Math.min(b.w, w - b.x), Math.min(b.h, h - b.y)]);
  return rects.length ? { viewBox: `0 0 ${w} ${h}`, rects } : undefined;
}

/** An empty overlay for a new tile (filled by `drawTileBoxes`). */
export function tileBoxesElement(): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 't-boxes');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  svg.setAttribute('aria-hidden', 'true');
  return svg;
}

/** Redraws the overlay; returns how many boxes it shows. */
export function drawTileBoxes(svg: SVGSVGElement, drawn: ReturnType<typeof tileBoxes>): number {
  svg.replaceChildren();
  svg.style.display = drawn ? '' : 'none';
  if (!drawn) return 0;
  svg.setAttribute('viewBox', drawn.viewBox);
  for (const [x, y, w, h] of drawn.rects) {
    const r = document.createElementNS(NS, 'rect');
    r.setAttribute('x', String(x));
    r.setAttribute('y', String(y));
    r.setAttribute('width', String(w));
    r.setAttribute('height', String(h));
    svg.append(r);
  }
  return drawn.rects.length;
}
