/**
 * The side panel's tabs and the DICOM tags tab: a bar that says whether patient data is hidden (with
 * the reveal / hide button), a search box, and the attribute tree. Patient-identifying values arrive
 * from the host as placeholders until the user reveals them, so nothing here has to hide anything.
 */
import type { ViewerState } from '../state';
import { visibleRows } from '../tagTree';
import type { Actions } from './actions';
import { button, h, setText, show } from './dom';
import type { Layout } from './layout';
import { l10n } from '../../shared/l10n';

export function renderTabs(L: Layout, s: ViewerState): void {
  const hasTags = Boolean(s.tags);
  show(L.tabs, hasTags);
  const tab = hasTags ? s.panelTab : 'analysis';
  L.tabAnalysis.setAttribute('aria-selected', String(tab === 'analysis'));
  L.tabTags.setAttribute('aria-selected', String(tab === 'tags'));
  L.tabAnalysis.tabIndex = tab === 'analysis' ? 0 : -1;
  L.tabTags.tabIndex = tab === 'tags' ? 0 : -1;
  setText(L.tabTags, s.tags ? l10n.t('DICOM tags ({0})', s.tags.count) : l10n.t('DICOM tags'));
  show(L.analysisPane, tab === 'analysis');
  show(L.tagsPane, tab === 'tags');
  L.app.classList.toggle('tags-open', tab === 'tags');
}

const tagSig = new WeakMap<Layout, unknown[]>();

export function renderTags(L: Layout, s: ViewerState, a: Actions): void {
  const t = s.tags;
  if (!t || s.panelTab !== 'tags') return;
  // Rebuilt only when what it shows changed (hover and zoom redraws must not recreate the list).
  const sig = [t, s.tagQuery, s.tagExpanded.size, [...s.tagExpanded].join('|')];
  const last = tagSig.get(L);
  if (last && sig.every((v, i) => v === last[i])) return;
  tagSig.set(L, sig);

  if (t.phiCount > 0) {
    L.revealBar.replaceChildren(
      h(
        'span',
        { class: `phi-state ${t.revealed ? 'shown' : 'hidden'}` },
        t.revealed
          ? l10n.t('Patient data shown ({0} values) in this editor', t.phiCount)
          : l10n.t('Patient data hidden ({0} values)', t.phiCount),
      ),
      t.revealed
        ? button(
            l10n.t('Hide again'),
            l10n.t('Mask the patient-identifying values again'),
            () => a.revealPatientData(false),
            'secondary small',
          )
        : button(
            l10n.t('Reveal patient data'),
            l10n.t('Show the values that identify the patient, in this editor only (not saved, never logged)'),
            () => a.revealPatientData(true),
            'small',
          ),
    );
    L.revealBar.classList.toggle('revealed', t.revealed);
    show(L.revealBar, true);
  } else {
    show(L.revealBar, false);
  }
  if (L.tagSearch.value !== s.tagQuery && document.activeElement !== L.tagSearch) L.tagSearch.value = s.tagQuery;

  if (t.error) {
    setText(L.tagSummary, l10n.t('The attributes could not be listed: {0}', t.error));
    L.tagList.replaceChildren();
    return;
  }
  const v = visibleRows(t.tags, s.tagExpanded, s.tagQuery);
  const q = s.tagQuery.trim();
  setText(
    L.tagSummary,
    q
      ? v.matches
        ? l10n.t('{0} of {1} attributes match', v.matches, t.count)
        : l10n.t('No attribute matches “{0}”', q)
      : v.hidden
        ? l10n.t('{0} attributes; showing the first {1}', t.count, v.rows.length)
        : l10n.t('{0} attributes', t.count),
  );
  const items = v.rows.map((r) => {
    const tg = r.tag;
    // A row without a tag is the reader's note (list cut short, and why), not an attribute.
    if (!tg.tag)
      return h(
        'li',
        { class: 'tag-note', role: 'treeitem', 'aria-level': String(r.depth + 1), translate: 'no' },
        tg.value,
      );
    const twisty = r.hasChildren
      ? h(
          'button',
          {
            type: 'button',
            class: 'twisty',
            'aria-label': r.expanded
              ? l10n.t('Collapse {0}', tg.keyword || tg.tag)
              : l10n.t('Expand {0}', tg.keyword || tg.tag),
            onclick: () => a.toggleTagRow(r.id),
          },
          r.expanded ? '▾' : '▸',
        )
      : h('span', { class: 'twisty none', 'aria-hidden': 'true' });
    const copy =
      tg.masked || tg.vr === 'SQ' || tg.tag === 'FFFE,E000'
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'copy',
              title: l10n.t('Copy the value of {0}', tg.keyword || tg.tag),
              'aria-label': l10n.t('Copy value of {0}', tg.keyword || tg.tag),
              onclick: () => a.copyText(tg.value, tg.keyword || tg.tag),
            },
            l10n.t('Copy'),
          );
    const li = h(
      'li',
      {
        class: `tag-row${r.match ? ' match' : ''}${tg.phi ? ' phi' : ''}${tg.masked ? ' masked' : ''}`,
        role: 'treeitem',
        'aria-level': String(r.depth + 1),
        'aria-expanded': r.hasChildren ? String(r.expanded) : undefined,
        'data-id': r.id,
      },
      h(
        'div',
        { class: 'tag-head' },
        twisty,
        tg.keyword
          ? h('span', { class: 'tag-kw', title: tg.keyword, translate: 'no' }, tg.keyword)
          : h('span', { class: 'tag-kw' }, l10n.t('(unknown)')),
        h('span', { class: 'tag-id', translate: 'no' }, tg.tag.startsWith('(') ? tg.tag : `(${tg.tag})`),
        h('span', { class: 'tag-vr', title: l10n.t('Value representation {0}', tg.vr), translate: 'no' }, tg.vr),
        copy,
      ),
      tg.vr === 'SQ'
        ? tg.value
          ? h('div', { class: 'tag-val seq', translate: 'no' }, tg.value)
          : h('div', { class: 'tag-val seq' }, l10n.t('{0} item(s)', tg.children?.length ?? 0))
        : h(
            'div',
            {
              class: 'tag-val',
              title: tg.masked ? l10n.t('Hidden: this value identifies the patient') : undefined,
              // The value is data; a masked one is the host's placeholder (localised there).
              translate: tg.value === '' ? undefined : 'no',
            },
            tg.value === '' ? l10n.t('(empty)') : tg.value,
          ),
    );
    li.style.setProperty('--depth', String(r.depth));
    if (r.hasChildren) li.querySelector('.tag-head')!.addEventListener('dblclick', () => a.toggleTagRow(r.id));
    return li;
  });
  if (v.hidden)
    items.push(h('li', { class: 'tag-more' }, l10n.t('{0} more: refine the search to see them.', v.hidden)));
  L.tagList.replaceChildren(...items);
}
