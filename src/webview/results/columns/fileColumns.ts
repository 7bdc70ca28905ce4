/** Columns about the file: its thumbnail, its path, and why it could not be scored. */
import { l10n } from '../../shared/l10n';
import { ROW_HEIGHT } from '../layout';
import type { ColumnEntry } from './column';
import { setImage } from '../views/dom';
import { drawTileBoxes, tileBoxes, tileBoxesElement } from '../views/tileBoxes';

export const thumbnailColumn: ColumnEntry = {
  id: 'thumb',
  columns: (s) =>
    s.hasThumbnails
      ? [
          {
            id: 'thumb',
            header: '',
            width: `${ROW_HEIGHT + 8}px`,
            className: 'c-thumb',
            // The image's box marks over its thumbnail, as in the grid (the box shrinks to the image).
            setup: (cell) => {
              const box = document.createElement('span');
              box.className = 'thumb-box';
              box.append(document.createElement('img'), tileBoxesElement());
              cell.append(box);
            },
            render: (cell, row, { state, mark }) => {
              const img = cell.firstElementChild!.firstElementChild as HTMLImageElement;
              img.className = 'thumb';
              const thumb = state.thumbnails.get(row);
              setImage(img, thumb);
              const size = mark?.boxes?.length ? state.table.quality.size(row) : undefined;
              // Redrawn only when what it shows changed: rows render on every scroll frame.
              const key = thumb && size ? `${JSON.stringify(mark!.boxes)}@${size.join('x')}` : '';
              const svg = img.nextElementSibling as SVGSVGElement;
              if (svg.dataset.key === key) return;
              svg.dataset.key = key;
              drawTileBoxes(svg, key ? tileBoxes(mark, size) : undefined);
            },
          },
        ]
      : [],
};

/**
 * The path as folder + file name: a long folder loses its start (…/p0123/), the file name always shows,
 * and the whole path is the tooltip.
 */
export const pathColumn: ColumnEntry = {
  id: 'path',
  columns: () => [
    {
      id: 'path',
      header: l10n.t('Path'),
      // Chest file names (person1234_bacteria_5678.jpeg) whole beside '…/'.
      width: 'minmax(17em, 3fr)',
      sort: 'path',
      className: 'c-path',
      data: true,
      setup: (cell) => {
        const dir = document.createElement('span');
        dir.className = 'dir';
        dir.append(document.createElement('bdi'));
        const name = document.createElement('span');
        name.className = 'name';
        cell.append(dir, name);
      },
      render: (cell, row, { state }) => {
        const path = state.table.paths[row];
        const slash = path.lastIndexOf('/');
        const dir = cell.firstElementChild as HTMLElement;
        (dir.firstElementChild as HTMLElement).textContent = slash < 0 ? '' : path.slice(0, slash + 1);
        dir.hidden = slash < 0;
        (cell.lastElementChild as HTMLElement).textContent = path.slice(slash + 1);
        cell.title = path;
      },
    },
  ],
};

export const errorColumn: ColumnEntry = {
  id: 'error',
  columns: () => [
    {
      id: 'error',
      header: l10n.t('Error'),
      // Wide enough to read the start of a message when the rows are scrolled sideways to it.
      width: 'minmax(8em, 1fr)',
      sort: 'error',
      className: 'c-error',
      data: true,
      render: (cell, row, { state }) => {
        const e = state.table.anyError(row) ?? '';
        cell.textContent = e;
        cell.title = e;
      },
    },
  ],
};
