/**
 * A DICOM file's attributes in one editor: the real values stay here; the webview gets them with the
 * patient-identifying values masked until the user reveals them in this editor (not saved anywhere).
 * No value is ever logged, only counts. Free of `vscode`.
 */
import type { DicomTagEntry } from '../../core/decode/dicom/tags';
import type { ErrorInfo } from '../../core/errors';
import type { TagsMessage } from '../../protocol/viewer';
import type { Logger } from '../log';
import { tagsForViewer } from './tagMasking';

export class TagsController {
  /** The attributes as read, or why they could not be. */
  private tags?: { entries: DicomTagEntry[] } | { error: string };
  private revealed = false;

  constructor(
    private readonly fileName: string,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
    private readonly show: (message: TagsMessage) => void,
  ) {}

  /** Whether the attributes were read (or failed to be): a decode then need not ask for them again. */
  get known(): boolean {
    return this.tags !== undefined;
  }

  set(entries: DicomTagEntry[] | undefined, error: ErrorInfo | undefined, couldNotRead: string): void {
    if (entries) {
      this.tags = { entries };
      let n = 0;
      let phi = 0;
      const walk = (list: DicomTagEntry[]) => {
        for (const e of list) {
          n++;
          if (e.phi) phi++;
          if (e.children) walk(e.children);
        }
      };
      walk(entries);
      // Counts only: tag values may identify the patient and never go to the log.
      this.log.info(
        `${this.fileName}: ${n} DICOM attributes listed, ${phi} identifying the patient (masked in the viewer until revealed)`,
      );
    } else {
      this.tags = { error: error?.message ?? couldNotRead };
      this.log.warn(
        `${this.fileName}: DICOM attributes could not be listed: [${error?.code ?? 'INTERNAL'}] ${error?.message ?? ''}`,
      );
    }
    this.show(this.message()!);
  }

  /** Shows (true) or masks again (false) the patient-identifying values; the list is sent again either way. */
  reveal(reveal: boolean): void {
    if (reveal !== this.revealed) {
      this.revealed = reveal;
      this.log.info(`${this.fileName}: patient data ${reveal ? 'revealed' : 'masked again'} in the viewer`);
    }
    const message = this.message();
    if (message) this.show(message);
  }

  /** What the webview may see now. */
  message(): TagsMessage | undefined {
    const t = this.tags;
    if (!t) return undefined;
    return 'entries' in t
      ? tagsForViewer(t.entries, this.revealed)
      : { tags: [], revealed: false, phiCount: 0, error: t.error };
  }
}
