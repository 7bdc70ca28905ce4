/** The keyboard-shortcuts popover: opened from its button or `?`, closed by Escape or a click outside. */
import { Disposable } from '../../../protocol/dispose';
import { listen } from '../../shared/lifetime';

export class HelpPopover extends Disposable {
  constructor(
    private readonly popover: HTMLElement,
    private readonly button: HTMLElement,
  ) {
    super();
    this._register(
      listen(document, 'pointerdown', (e) => {
        if (!popover.hidden && !popover.contains(e.target as Node) && e.target !== button) this.close();
      }),
    );
  }

  toggle(): void {
    const open = this.popover.hidden;
    this.popover.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
    if (open) this.popover.focus();
  }

  /** Closes it if open (focus back to its button); returns whether it was. */
  close(): boolean {
    if (this.popover.hidden) return false;
    this.popover.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    this.button.focus();
    return true;
  }
}
