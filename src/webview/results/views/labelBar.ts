/**
 * The labelling strip under the panel's header: which label set the keys write to (a button to pick
 * another), how many images carry each label, the keys, the file's problem when a hand edit broke it
 * (labelling is refused until it is fixed), and the curation actions: export, threshold from labels.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { l10n } from '../../shared/l10n';
import type { PanelState } from '../state';
import { button, div } from './dom';

export interface LabelBarEvents {
  chooseSet(): void;
  exportRows(): void;
  recalibrate(): void;
}

export class LabelBar {
  readonly element: HTMLElement;
  private readonly setBtn: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly problem: HTMLElement;

  constructor(
    private readonly state: PanelState,
    events: LabelBarEvents,
  ) {
    this.element = div('labelbar');
    this.element.hidden = true;
    this.setBtn = button('', true, () => events.chooseSet());
    this.setBtn.id = 'label-set';
    this.setBtn.title = l10n.t(
      'The label set the keys write to (.xray-anomaly/labels/<set>.csv); click to pick another',
    );
    this.counts = div('label-counts');
    this.counts.setAttribute('aria-live', 'polite');
    const keys = div('label-keys');
    keys.textContent = l10n.t('j/k move · 1 normal · 2 abnormal · 3 unsure · 0 clear · n note · u undo');
    this.problem = div('label-problem');
    this.problem.setAttribute('role', 'alert');
    this.problem.hidden = true;
    const actions = div('actions');
    const exportBtn = button(l10n.t('Export...'), true, () => events.exportRows());
    exportBtn.title = l10n.t(
      'CSV or JSON of scores, flags and labels; Label Studio predictions; an HTML report; copy or move the selection',
    );
    const recal = button(l10n.t('Threshold from Labels...'), true, () => events.recalibrate());
    recal.title = l10n.t('Set this model’s threshold for this folder from the images you labelled normal');
    actions.append(exportBtn, recal);
    this.element.append(this.setBtn, this.counts, keys, actions, this.problem);
  }

  update(): void {
    const set = this.state.marks.set;
    this.element.hidden = !set;
    if (!set) return;
    this.setBtn.textContent = l10n.t('Label set: {0}', set.name);
    const c = this.state.marks.counts();
    this.counts.textContent = l10n.t('{0} normal · {1} abnormal · {2} unsure', c.normal, c.abnormal, c.unsure);
    this.problem.hidden = !set.problem;
    this.problem.textContent = set.problem ?? '';
  }
}
