/**
 * Table, Grid, Compare or Map: what the panel's main area shows. Compare needs two model columns and is
 * hidden with one.
 */
import type { PanelLayout } from '../../../protocol/results';
import { l10n } from '../../shared/l10n';
import type { PanelState } from '../state';
import { button, div } from './dom';

export class LayoutSwitch {
  readonly element: HTMLElement;
  private readonly buttons = new Map<PanelLayout, HTMLElement & { secondary?: boolean; disabled?: boolean }>();

  constructor(
    private readonly state: PanelState,
    layouts: readonly PanelLayout[],
  ) {
    this.element = div('layout-switch');
    this.element.setAttribute('role', 'group');
    this.element.setAttribute('aria-label', l10n.t('Show as'));
    const entries: [PanelLayout, string, string][] = [
      ['table', l10n.t('Table'), l10n.t('The scored images as a table')],
      [
        'grid',
        l10n.t('Grid'),
        l10n.t('The images of the table as a grid of thumbnails (same order, filters and keys)'),
      ],
      [
        'compare',
        l10n.t('Compare Models'),
        l10n.t('Rank correlation, scatter plot and disagreements of two model columns'),
      ],
      [
        'map',
        l10n.t('Map'),
        l10n.t("The images placed by their model's backbone features (UMAP): similar images lie together"),
      ],
    ];
    for (const [layout, label, title] of entries.filter(([l]) => layouts.includes(l))) {
      const b = button(label, true, () => this.state.setLayout(layout));
      b.id = `layout-${layout}`;
      b.title = title;
      this.buttons.set(layout, b);
      this.element.append(b);
    }
  }

  sync(): void {
    for (const [layout, b] of this.buttons) {
      b.secondary = layout !== this.state.layout;
      b.setAttribute('aria-pressed', String(layout === this.state.layout));
    }
    const compare = this.buttons.get('compare');
    if (compare) compare.hidden = this.state.models.length < 2;
  }
}
