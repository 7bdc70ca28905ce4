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
import type { FlagFilter, QualityFilter } from '../../../protocol/results';
import { QUALITY_FILTERS, qualityFilterLabel } from '../quality';
import { formatCount } from '../format';
import { runStatusText } from '../runStatus';
import type { PanelState } from '../state';
import { l10n } from '../../shared/l10n';
import { button, div } from './dom';

export interface ToolbarEvents {
  cancel(): void;
  rescore(): void;
  chooseLabels(): void;
  copyPaths(): void;
  openSelected(): void;
  /** Images like the selected one ("More Like This"), and back to all rows. */
  moreLikeThis(): void;
  clearSimilar(): void;
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
  private readonly similarBar: HTMLElement;
  private readonly search: Field;
  private readonly folder: Field;
  private readonly flag: Field;
  private readonly quality: Field;
  private readonly min: Field;
  private readonly max: Field;
  private readonly model: Field;
  private readonly modelLabel: HTMLElement;
  /** The folder list last set (undefined: none yet; a folder without subfolders still gets "All folders"). */
  private folderKey: string | undefined;
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
    this.cancelBtn = button(l10n.t('Cancel'), true, () => events.cancel());
    this.rescoreBtn = button(l10n.t('Score Again'), true, () => events.rescore());
    this.rescoreBtn.title = l10n.t(
      'Score the folder again with the same models: unchanged files are skipped, changed ones re-scored',
    );
    const labelsBtn = button(l10n.t('Labels CSV...'), true, () => events.chooseLabels());
    labelsBtn.title = l10n.t('Ground truth from a CSV (path and label columns), for ROC and PR curves');
    const right = div('actions');
    right.append(this.cancelBtn, this.rescoreBtn, labelsBtn);
    const titleBox = div('title');
    titleBox.append(this.title, this.status);
    this.header.append(titleBox, right, this.progress);

    this.filters = div('filters');
    this.search = field('vscode-textfield', l10n.t('Filter by path'), 'search');
    this.search.setAttribute('placeholder', l10n.t('Filter by path'));
    this.search.addEventListener('input', () => {
      clearTimeout(this.textTimer);
      this.textTimer = setTimeout(() => this.state.setQuery({ text: this.search.value }), 120);
    });
    this.folder = select(l10n.t('Folder'));
    this.folder.addEventListener('change', () => this.state.setQuery({ folder: this.folder.value }));
    this.flag = select(l10n.t('Show'));
    setOptions(this.flag, [
      ['all', l10n.t('All images')],
      ['flagged', l10n.t('Flagged')],
      ['unflagged', l10n.t('Not flagged')],
      ['errors', l10n.t('Errors')],
    ]);
    this.flag.addEventListener('change', () => this.state.setQuery({ flag: this.flag.value as FlagFilter }));
    this.quality = select(l10n.t('Quality'));
    setOptions(
      this.quality,
      QUALITY_FILTERS.map((f) => [f, qualityFilterLabel(f)]),
    );
    this.quality.addEventListener('change', () =>
      this.state.setQuery({ quality: this.quality.value as QualityFilter }),
    );
    this.min = field('vscode-textfield', l10n.t('Lowest normalised score'), 'min');
    this.max = field('vscode-textfield', l10n.t('Highest normalised score'), 'max');
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
    this.model = select(l10n.t('Model'));
    this.model.addEventListener('change', () => this.state.setQuery({ model: Number(this.model.value) }));
    this.modelLabel = labelled(l10n.t('Model'), this.model);
    this.counts = div('counts');
    this.counts.setAttribute('aria-live', 'polite');
    this.selectionBar = div('selection');
    const openBtn = button(l10n.t('Open'), true, () => events.openSelected());
    const copyBtn = button(l10n.t('Copy Paths'), true, () => events.copyPaths());
    const likeBtn = button(l10n.t('More Like This'), true, () => events.moreLikeThis());
    likeBtn.title = l10n.t("Images nearest to this one by the model's backbone features");
    this.selectionBar.append(document.createElement('span'), openBtn, copyBtn, likeBtn);
    this.similarBar = div('similar');
    this.similarBar.hidden = true;
    this.similarBar.append(
      document.createElement('span'),
      button(l10n.t('Show All'), true, () => events.clearSimilar()),
    );
    const range = div('range');
    range.append(this.min, text('–'), this.max);
    this.filters.append(
      labelled(l10n.t('Path'), this.search),
      labelled(l10n.t('Folder'), this.folder),
      labelled(l10n.t('Show'), this.flag),
      labelled(l10n.t('Quality'), this.quality),
      labelled(l10n.t('Normalised score'), range),
      this.modelLabel,
      this.counts,
      this.selectionBar,
      this.similarBar,
    );
  }

  /** Everything from the state (init, a new query from outside, restored state). */
  sync(): void {
    const s = this.state;
    this.title.textContent = s.title || l10n.t('Results');
    this.search.value = s.query.text;
    this.flag.value = s.query.flag;
    this.quality.value = s.query.quality ?? 'all';
    this.min.value = s.query.min === undefined ? '' : String(s.query.min);
    this.max.value = s.query.max === undefined ? '' : String(s.query.max);
    setOptions(
      this.model,
      s.models.map((m, i) => [String(i), `${m.name} ${m.version}`]),
      () => true,
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
    setOptions(
      this.folder,
      [
        ['', l10n.t('All folders')],
        // Folder names are data; the count beside them is a number.
        ...entries.map(([f, n]): [string, string] => [f, `${f} (${formatCount(n)})`]),
      ],
      (value) => value !== '',
    );
    this.folder.value = this.state.query.folder;
  }

  updateCounts(): void {
    const s = this.state;
    // The head (first screenful) is the top of an unfiltered table of `total` rows on their way.
    this.counts.textContent = s.head ? imagesOf(s.head.total, s.head.total) : imagesOf(s.view.length, s.table.size);
    const like = s.similar;
    this.similarBar.hidden = !like;
    if (like)
      (this.similarBar.firstElementChild as HTMLElement).textContent =
        like.message ??
        (like.fromMap
          ? l10n.t('{0} images chosen on the map', like.rows.length)
          : l10n.t('{0} images most like {1}', like.rows.length, s.table.paths[like.anchor] ?? String(like.anchor)));
    const n = s.selection.size;
    this.selectionBar.hidden = n === 0;
    (this.selectionBar.firstElementChild as HTMLElement).textContent = l10n.t('{0} selected', formatCount(n));
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
    if (running) {
      (this.progress as unknown as { value: number; max: number }).max = Math.max(1, p.total);
      (this.progress as unknown as { value: number }).value = p.done;
    }
    this.status.textContent = runStatusText(p);
  }
}

/** "12 of 40 images": its own message, so a language can order and inflect it. */
function imagesOf(shown: number, total: number): string {
  return l10n.t('{0} of {1} images', formatCount(shown), formatCount(total));
}

function text(s: string): HTMLElement {
  const t = document.createElement('span');
  t.textContent = s;
  return t;
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

/** `isData`: which labels are names (models, folders), not to be translated. */
function setOptions(sel: Field, options: [string, string][], isData: (value: string) => boolean = () => false): void {
  const current = sel.value;
  sel.replaceChildren(
    ...options.map(([value, label]) => {
      const o = document.createElement('vscode-option') as HTMLElement & { value: string };
      o.value = value;
      o.textContent = label;
      if (isData(value)) o.setAttribute('translate', 'no');
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
