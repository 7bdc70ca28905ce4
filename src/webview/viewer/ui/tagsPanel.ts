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

export function renderTabs(L: Layout, s: ViewerState): void {
  const hasTags = Boolean(s.tags);
  show(L.tabs, hasTags);
  const tab = hasTags ? s.panelTab : 'analysis';
  L.tabAnalysis.setAttribute('aria-selected', String(tab === 'analysis'));
  L.tabTags.setAttribute('aria-selected', String(tab === 'tags'));
  L.tabAnalysis.tabIndex = tab === 'analysis' ? 0 : -1;
  L.tabTags.tabIndex = tab === 'tags' ? 0 : -1;
  setText(L.tabTags, s.tags ? `DICOM tags (${s.tags.count})` : 'DICOM tags');
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
          ? `Patient data shown (${t.phiCount} values) in this editor`
          : `Patient data hidden (${t.phiCount} values)`,
      ),
      t.revealed
        ? button(
            'Hide again',
            'Mask the patient-identifying values again',
            () => a.revealPatientData(false),
            'secondary small',
          )
        : button(
            'Reveal patient data',
            'Show the values that identify the patient, in this editor only (not saved, never logged)',
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
    setText(L.tagSummary, `The attributes could not be listed: ${t.error}`);
    L.tagList.replaceChildren();
    return;
  }
  const v = visibleRows(t.tags, s.tagExpanded, s.tagQuery);
  const q = s.tagQuery.trim();
  setText(
    L.tagSummary,
    q
      ? v.matches
        ? `${v.matches} of ${t.count} attributes match`
        : `No attribute matches “${q}”`
      : `${t.count} attributes${v.hidden ? `; showing the first ${v.rows.length}` : ''}`,
  );
  const items = v.rows.map((r) => {
    const tg = r.tag;
    // A row without a tag is the reader's note (list cut short, and why), not an attribute.
    if (!tg.tag) return h('li', { class: 'tag-note', role: 'treeitem', 'aria-level': String(r.depth + 1) }, tg.value);
    const twisty = r.hasChildren
      ? h(
          'button',
          {
            type: 'button',
            class: 'twisty',
            'aria-label': `${r.expanded ? 'Collapse' : 'Expand'} ${tg.keyword || tg.tag}`,
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
              title: `Copy the value of ${tg.keyword || tg.tag}`,
              'aria-label': `Copy value of ${tg.keyword || tg.tag}`,
              onclick: () => a.copyText(tg.value, tg.keyword || tg.tag),
            },
            'Copy',
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
        h('span', { class: 'tag-kw', title: tg.keyword }, tg.keyword || '(unknown)'),
        h('span', { class: 'tag-id' }, tg.tag.startsWith('(') ? tg.tag : `(${tg.tag})`),
        h('span', { class: 'tag-vr', title: `Value representation ${tg.vr}` }, tg.vr),
        copy,
      ),
      tg.vr === 'SQ'
        ? h('div', { class: 'tag-val seq' }, tg.value || `${tg.children?.length ?? 0} item(s)`)
        : h(
            'div',
            { class: 'tag-val', title: tg.masked ? 'Hidden: this value identifies the patient' : undefined },
            tg.value === '' ? '(empty)' : tg.value,
          ),
    );
    li.style.setProperty('--depth', String(r.depth));
    if (r.hasChildren) li.querySelector('.tag-head')!.addEventListener('dblclick', () => a.toggleTagRow(r.id));
    return li;
  });
  if (v.hidden) items.push(h('li', { class: 'tag-more' }, `${v.hidden} more: refine the search to see them.`));
  L.tagList.replaceChildren(...items);
}
