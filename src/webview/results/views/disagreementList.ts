/**
 * The images two models rank most differently, as a list: the path and each model's rank within the view
 * (100% = that model's most anomalous image). A click or Enter opens the image with the model that ranks
 * it higher, whose heatmap explains why it stands out.
 */
import type { Disagreement } from '../compare';
import { l10n } from '../../shared/l10n';
import { div } from './dom';

export class DisagreementList {
  readonly element: HTMLElement;
  private readonly head: HTMLElement;
  private readonly list: HTMLElement;
  private items: Disagreement[] = [];

  constructor(private readonly open: (row: number, higher: 'a' | 'b') => void) {
    this.element = div('disagreements');
    const title = document.createElement('h3');
    title.textContent = l10n.t('Where they disagree most');
    const caption = div('caption');
    caption.textContent = l10n.t("Rank among the images shown, 100% = the model's most anomalous image.");
    this.head = div('dis-row dis-head');
    this.list = div('dis-list');
    this.list.setAttribute('role', 'list');
    this.element.append(title, caption, this.head, this.list);
    const act = (target: EventTarget | null) => {
      const el = (target as HTMLElement | null)?.closest<HTMLElement>('[data-index]');
      const d = el ? this.items[Number(el.dataset.index)] : undefined;
      if (d) this.open(d.row, d.diff >= 0 ? 'a' : 'b');
    };
    this.list.addEventListener('click', (e) => act(e.target));
    this.list.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        act(e.target);
      }
    });
  }

  update(
    items: Disagreement[],
    paths: readonly string[],
    names: [string, string],
    selected: ReadonlySet<number>,
  ): void {
    this.items = items;
    const [a, b] = [cell(names[0], true), cell(names[1], true)];
    a.setAttribute('translate', 'no');
    b.setAttribute('translate', 'no');
    a.title = names[0];
    b.title = names[1];
    this.head.replaceChildren(cell(l10n.t('Image')), a, b);
    if (!items.length) {
      const empty = div('empty');
      empty.textContent = l10n.t('Fewer than two images scored by both models.');
      this.list.replaceChildren(empty);
      return;
    }
    this.list.replaceChildren(
      ...items.map((d, i) => {
        const r = div('dis-row dis-item');
        r.dataset.index = String(i);
        r.dataset.row = String(d.row);
        r.tabIndex = 0;
        r.setAttribute('role', 'listitem');
        r.setAttribute('aria-selected', String(selected.has(d.row)));
        // Ellipsis at the start (rtl box) so the file name shows; the marks keep the path itself left to right.
        const path = cell(`\u200e${paths[d.row]}\u200e`);
        path.className = 'dis-path';
        path.title = paths[d.row];
        path.setAttribute('translate', 'no');
        const a = cell(percent(d.rankA), true);
        const b = cell(percent(d.rankB), true);
        (d.diff >= 0 ? a : b).classList.add('dis-high');
        r.append(path, a, b);
        return r;
      }),
    );
  }
}

function cell(text: string, num = false): HTMLElement {
  const c = document.createElement('span');
  c.textContent = text;
  if (num) c.className = 'num';
  return c;
}

function percent(rank: number): string {
  return `${Math.round(rank * 100)}%`;
}
