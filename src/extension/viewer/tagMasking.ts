/**
 * What the viewer webview may see of a DICOM file's attributes. The host keeps the real values; the
 * webview gets a copy in which every value that identifies the patient (and every value nested under
 * such an attribute) is replaced by a placeholder, until the user reveals patient data in that editor.
 * Pure, so the rule is unit-tested without VS Code.
 */
import type { DicomTagEntry } from '../../core/decode/dicom/tags';
import type { TagsMessage, ViewerTag } from '../../protocol/viewer';
import { l10n } from '../l10n';

/** What a masked value shows (a function: the language is known only once the extension is active). */
export const phiPlaceholder = (): string => l10n.t('•••• (hidden: identifies the patient)');

export type TagEntryLike = DicomTagEntry;

export function tagsForViewer(entries: readonly TagEntryLike[], revealed: boolean): TagsMessage {
  let phiCount = 0;
  const copy = (list: readonly TagEntryLike[], underPhi: boolean): ViewerTag[] =>
    list.map((e) => {
      const phi = underPhi || e.phi === true;
      // A sequence's and an item's "value" is structure ("2 items", "Item 1"), not data: it stays, and
      // what they hold is masked row by row.
      const structural = e.vr === 'SQ' || /^\(?FFFE,E00[0D]\)?$/i.test(String(e.tag));
      if (phi && !structural) phiCount++;
      const masked = phi && !structural && !revealed;
      return {
        tag: String(e.tag),
        keyword: String(e.keyword ?? ''),
        vr: String(e.vr ?? ''),
        value: masked ? phiPlaceholder() : String(e.value ?? ''),
        phi,
        masked,
        depth: Number(e.depth) || 0,
        children: e.children?.length ? copy(e.children, phi) : undefined,
      };
    });
  const tags = copy(entries, false);
  return { tags, revealed, phiCount };
}
