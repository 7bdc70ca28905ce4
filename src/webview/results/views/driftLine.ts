/**
 * The drift line under the panel's header: whether the folder's scores for the model shown sit where the
 * model's calibration normals sat (core/scoring/drift.ts), worded by the host. A warning when they moved,
 * a quiet line when they did not, nothing when there are too few scores to tell.
 */
import { l10n } from '../../shared/l10n';
import type { PanelState } from '../state';
import { div } from './dom';

export class DriftLine {
  readonly element = div('drift');

  constructor(private readonly state: PanelState) {
    this.element.hidden = true;
  }

  update(): void {
    const d = this.state.drift[this.state.query.model];
    this.element.hidden = !d;
    if (!d) return;
    const warn = d.status !== 'ok';
    this.element.className = `drift ${warn ? 'warn' : 'ok'}`;
    this.element.setAttribute('role', warn ? 'alert' : 'note');
    const parts: HTMLElement[] = [];
    if (warn) {
      const title = document.createElement('strong');
      title.textContent = l10n.t('Score drift');
      parts.push(title);
    }
    for (const text of [d.text, d.normals?.text]) {
      if (!text) continue;
      const p = document.createElement('span');
      p.textContent = text;
      parts.push(p);
    }
    this.element.replaceChildren(...parts);
  }
}
