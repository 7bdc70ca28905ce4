/**
 * The labelling keys in the viewer (the same table as the results panel: src/webview/shared/labelKeys.ts)
 * and the label badge. The keys are on for any image inside a workspace folder (the host says so in
 * `mark.keys`): 1/2/3 label instead of zooming to 1:1 (the toolbar's 1:1 button stays), 0 clears, n notes,
 * u undoes. j/k step through a results panel's order only for an image opened from one (`mark.panel`);
 * elsewhere they are left alone. The badge shows the label wherever the image is shown.
 */
import { Disposable, toDisposable } from '../../protocol/dispose';
import type { ViewerToHostNotifications } from '../../protocol/viewer';
import { labelKeyAction } from '../shared/labelKeys';
import { l10n } from '../shared/l10n';
import type { ViewerStore } from './store';

export class ViewerLabels extends Disposable {
  readonly badge: HTMLElement;

  constructor(
    private readonly store: ViewerStore,
    notify: (p: ViewerToHostNotifications['labelKey']) => void,
  ) {
    super();
    this.badge = document.createElement('div');
    this.badge.className = 'label-badge';
    this.badge.setAttribute('role', 'status');
    this.badge.hidden = true;
    const onKey = (e: KeyboardEvent) => {
      const mark = this.store.state.mark;
      if (!mark?.keys || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable))
        return;
      // Arrows keep panning the image here; j/k move through the panel.
      const a = labelKeyAction(e, { arrows: false });
      if (!a || (a.kind === 'move' && !mark.panel)) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      notify(a.kind === 'label' ? { kind: 'label', label: a.label } : a.kind === 'move' ? a : { kind: a.kind });
    };
    // Capture: before the viewer's own key handler, which would zoom to 1:1 on "1".
    document.addEventListener('keydown', onKey, true);
    this._register(toDisposable(() => document.removeEventListener('keydown', onKey, true)));
    this._register(store.subscribe(() => this.render()));
  }

  private render(): void {
    const m = this.store.state.mark;
    const boxes = m?.boxes?.length ?? 0;
    const status =
      m?.status === 'stale' ? l10n.t(' (file changed since)') : m?.status === 'moved' ? l10n.t(' (moved)') : '';
    const text = m
      ? m.problem
        ? l10n.t('Labels: {0}', m.problem)
        : `${m.set}: ${m.label ? labelText(m.label) : l10n.t('no label')}${status}${m.note ? ` · ${m.note}` : ''}${boxes ? ` · ${boxes === 1 ? l10n.t('1 box') : l10n.t('{0} boxes', boxes)}` : ''}`
      : '';
    if (this.badge.textContent === text && this.badge.hidden === !m) return;
    this.badge.hidden = !m;
    this.badge.textContent = text;
    this.badge.className = `label-badge ${m?.label ? `mark-${m.label}` : ''} ${m?.problem ? 'mark-problem' : ''}`;
    this.badge.title = !m?.keys
      ? l10n.t('Label of this image in the active label set')
      : m.panel
        ? l10n.t(
            '1 normal · 2 abnormal · 3 unsure · 0 clear · n note · u undo · j/k next/previous in the results panel',
          )
        : l10n.t('1 normal · 2 abnormal · 3 unsure · 0 clear · n note · u undo (active label set)');
  }
}

function labelText(v: 'normal' | 'abnormal' | 'unsure'): string {
  return v === 'normal' ? l10n.t('normal') : v === 'abnormal' ? l10n.t('abnormal') : l10n.t('unsure');
}
