/**
 * Changes held back from the panel's side views (charts, drift line, preview, grid, map, comparison) while
 * only the head is shown: the first paint is the table's first screenful alone, and the side views catch
 * up, all their held changes at once, in the first frame after the rows arrive.
 */
import type { Change } from './state';

export class HeldChanges {
  private held = new Set<Change>();

  /** The changes the side views draw in this frame: none while `holding`, else this frame's and the held ones. */
  take(frame: ReadonlySet<Change>, holding: boolean): ReadonlySet<Change> {
    if (holding) {
      for (const c of frame) this.held.add(c);
      return new Set();
    }
    if (this.held.size === 0) return frame;
    const out = new Set([...this.held, ...frame]);
    this.held.clear();
    return out;
  }
}
