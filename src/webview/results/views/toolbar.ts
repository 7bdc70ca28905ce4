/**
 * The panel's header (title, run progress, Cancel / Score Again) and filter bar (search, folder, flag,
 * score range, model), built from @vscode-elements/elements so that they look like VS Code's own controls
 * in every theme.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import type { FlagFilter } from '../../../protocol/results';
import { formatCount, formatEta } from '../format';
import type { PanelState } from '../state';

export interface ToolbarEvents {
  cancel(): void;
  rescore(): void;
  chooseLabels(): void;
  copyPaths(): void;
  openSelected(): void;
}

type Field = HTMLElement & { value: string };

export class Toolbar {
  readonly header: HTMLElement;
  readonly filters: HTMLElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLElement & { indeterminate?: boolean; hidden: boolean };
  private readonly cancelBtn: HTMLElement;
  private readonly rescoreBtn: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly selectionBar: HTMLElement;
  private readonly search: Field;
  private readonly folder: Field;
  private readonly flag: Field;
  private readonly min: Field;
  private readonly max: Field;
  private readonly model: Field;
  private readonly modelLabel: HTMLElement;
  private folderKey = '';
  private textTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly state: PanelState,
    events: ToolbarEvents,
  ) {
    this.header = div('header');
    this.title = document.createElement('h2');
    this.status = div('status');
    this.status.setAttribute('aria-live', 'polite');
    this.progress = document.createElement('vscode-progress-bar') as Toolbar['progress'];
    this.progress.hidden = true;
    this.cancelBtn = button('Cancel', true, () => events.cancel());
    this.rescoreBtn = button('Score Again', true, () => events.rescore());
    this.rescoreBtn.title =
      'Score the folder again with the same models: unchanged files are skipped, changed ones re-scored';
    const labelsBtn = button('Labels CSV...', true, () => events.chooseLabels());
    labelsBtn.title = 'Ground truth from a CSV (path and label columns), for ROC and PR curves';
    const right = div('actions');
    right.append(this.cancelBtn, this.rescoreBtn, labelsBtn);
    const titleBox = div('title');
    titleBox.append(this.title, this.status);
    this.header.append(titleBox, right, this.progress);

    this.filters = div('filters');
    this.search = field('vscode-textfield', 'Filter by path', 'search');
    this.search.setAttribute('placeholder', 'Filter by path');
    this.search.addEventListener('input', () => {
      clearTimeout(this.textTimer);
      this.textTimer = setTimeout(() => this.state.setQuery({ text: this.search.value }), 120);
    });
    this.folder = select('Folder');
    this.folder.addEventListener('change', () => this.state.setQuery({ folder: this.folder.value }));
    this.flag = select('Show');
    setOptions(this.flag, [
      ['all', 'All images'],
      ['flagged', 'Flagged'],
      ['unflagged', 'Not flagged'],
      ['errors', 'Errors'],
    ]);
    this.flag.addEventListener('change', () => this.state.setQuery({ flag: this.flag.value as FlagFilter }));
    this.min = field('vscode-textfield', 'Lowest normalised score', 'min');
    this.max = field('vscode-textfield', 'Highest normalised score', 'max');
    for (const [f, key] of [
      [this.min, 'min'],
      [this.max, 'max'],
    ] as const) {
      f.setAttribute('placeholder', key === 'min' ? '0' : '1');
      f.classList.add('narrow');
      f.addEventListener('change', () => {
        const v = f.value.trim() === '' ? undefined : Number(f.value);
        (f as unknown as { invalid: boolean }).invalid = v !== undefined && !Number.isFinite(v);
        if (v === undefined || Number.isFinite(v)) this.state.setQuery({ [key]: v });
      });
    }
    this.model = select('Model');
    this.model.addEventListener('change', () => this.state.setQuery({ model: Number(this.model.value) }));
    this.modelLabel = labelled('Model', this.model);
    this.counts = div('counts');
    this.counts.setAttribute('aria-live', 'polite');
    this.selectionBar = div('selection');
    const openBtn = button('Open', true, () => events.openSelected());
    const copyBtn = button('Copy Paths', true, () => events.copyPaths());
    this.selectionBar.append(document.createElement('span'), openBtn, copyBtn);
    const range = div('range');
    range.append(this.min, text('–'), this.max);
    this.filters.append(
      labelled('Path', this.search),
      labelled('Folder', this.folder),
      labelled('Show', this.flag),
      labelled('Normalised score', range),
      this.modelLabel,
      this.counts,
      this.selectionBar,
    );
  }

  /** Everything from the state (init, a new query from outside, restored state). */
  sync(): void {
    const s = this.state;
    this.title.textContent = s.title || 'Results';
    this.search.value = s.query.text;
    this.flag.value = s.query.flag;
    this.min.value = s.query.min === undefined ? '' : String(s.query.min);
    this.max.value = s.query.max === undefined ? '' : String(s.query.max);
    setOptions(
      this.model,
      s.models.map((m, i) => [String(i), `${m.name} ${m.version}`]),
    );
    this.model.value = String(s.query.model);
    this.modelLabel.hidden = s.models.length < 2;
    this.syncFolders();
    this.updateCounts();
    this.updateProgress();
  }

  syncFolders(): void {
    const folders = this.state.table.folderCounts();
    // Parent folders too, so that NORMAL/ and PNEUMONIA/ under test/ can be picked together.
    const all = new Map<string, number>();
    for (const [f, n] of folders) {
      const parts = f ? f.split('/') : [];
      for (let i = 1; i <= parts.length; i++) {
        const p = parts.slice(0, i).join('/');
        all.set(p, (all.get(p) ?? 0) + n);
      }
    }
    const key = [...all.keys()].join('\n');
    if (key === this.folderKey) return;
    this.folderKey = key;
    const entries = [...all.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).slice(0, 500);
    setOptions(this.folder, [
      ['', 'All folders'],
      ...entries.map(([f, n]): [string, string] => [f, `${f} (${formatCount(n)})`]),
    ]);
    this.folder.value = this.state.query.folder;
  }

  updateCounts(): void {
    const s = this.state;
    this.counts.textContent = `${formatCount(s.view.length)} of ${formatCount(s.table.size)} images`;
    const n = s.selection.size;
    this.selectionBar.hidden = n === 0;
    (this.selectionBar.firstElementChild as HTMLElement).textContent = `${formatCount(n)} selected`;
  }

  updateProgress(): void {
    const p = this.state.progress;
    const running = !!p?.running;
    this.cancelBtn.hidden = !running;
    this.rescoreBtn.hidden = running || !this.state.source;
    this.progress.hidden = !running;
    if (!p) {
      this.status.textContent = '';
      return;
    }
    const parts: string[] = [];
    if (running) {
      parts.push(`Scoring ${formatCount(p.done)} of ${formatCount(p.total)}`);
      if (p.imagesPerS) parts.push(`${p.imagesPerS.toFixed(1)} images/s`);
      if (p.etaS !== undefined) parts.push(`about ${formatEta(p.etaS)} left`);
      (this.progress as unknown as { value: number; max: number }).max = Math.max(1, p.total);
      (this.progress as unknown as { value: number }).value = p.done;
    } else {
      parts.push(
        p.ended === 'cancelled' ? 'Cancelled' : p.ended === 'failed' ? 'Stopped' : 'Done',
        `${formatCount(p.done)} of ${formatCount(p.total)} images`,
      );
    }
    if (p.skipped) parts.push(`${formatCount(p.skipped)} unchanged, skipped`);
    if (p.failed) parts.push(`${formatCount(p.failed)} could not be read`);
    if (p.message) parts.push(p.message);
    this.status.textContent = parts.join(' · ');
  }
}

function div(className: string): HTMLElement {
  const d = document.createElement('div');
  d.className = className;
  return d;
}

function text(s: string): HTMLElement {
  const t = document.createElement('span');
  t.textContent = s;
  return t;
}

function button(label: string, secondary: boolean, onClick: () => void): HTMLElement {
  const b = document.createElement('vscode-button') as HTMLElement & { secondary: boolean };
  b.textContent = label;
  b.secondary = secondary;
  b.addEventListener('click', onClick);
  return b;
}

function field(tag: string, aria: string, id: string): Field {
  const f = document.createElement(tag) as Field;
  f.id = `f-${id}`;
  f.setAttribute('aria-label', aria);
  return f;
}

function select(aria: string): Field {
  const s = document.createElement('vscode-single-select') as Field;
  s.setAttribute('aria-label', aria);
  return s;
}

function setOptions(sel: Field, options: [string, string][]): void {
  const current = sel.value;
  sel.replaceChildren(
    ...options.map(([value, label]) => {
      const o = document.createElement('vscode-option') as HTMLElement & { value: string };
      o.value = value;
      o.textContent = label;
      return o;
    }),
  );
  sel.value = current;
}

function labelled(label: string, control: HTMLElement): HTMLElement {
  const wrap = div('field');
  const l = document.createElement('span');
  l.className = 'field-label';
  l.textContent = label;
  wrap.append(l, control);
  return wrap;
}
