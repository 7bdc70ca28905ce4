/**
 * Frame timing as the page itself sees it (the panel bench): requestAnimationFrame deltas, the table's own
 * redraw work and PerformanceObserver long tasks over a window, optionally while the table is scrolled
 * from top to bottom one step per frame (what a wheel or a held key does). Measured inside the webview,
 * so neither the host nor the test's polling is part of the figures.
 */
import type { FrameProbeRequest, FrameProbeResult } from '../../protocol/results';

export interface ProbeTarget {
  scroller: HTMLElement;
  /** Durations of the table's redraws, appended as they happen. */
  workTimes: number[];
}

export function probeFrames(target: ProbeTarget, req: FrameProbeRequest): Promise<FrameProbeResult> {
  const sweep = Math.max(0, Math.floor(req.sweepFrames ?? 0));
  const windowMs = Math.min(120_000, Math.max(0, req.ms ?? 0));
  const step = Math.max(0, req.stepPx ?? 0);
  const { scroller, workTimes } = target;
  const workFrom = workTimes.length;
  const deltas: number[] = [];
  let longTasks = 0;
  let longTaskMs = 0;
  let observer: PerformanceObserver | undefined;
  try {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        longTasks++;
        longTaskMs += e.duration;
      }
    });
    observer.observe({ type: 'longtask', buffered: false });
  } catch {
    // No long-task timing in this browser: the frame deltas still say it.
    observer = undefined;
  }
  if (sweep) scroller.scrollTop = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    let last: number | undefined;
    let k = 0;
    let direction = 1;
    const tick = (now: number) => {
      if (last !== undefined) deltas.push(now - last);
      last = now;
      const done = sweep ? k >= sweep : now - start >= windowMs;
      if (!done) {
        if (sweep) {
          k++;
          const max = scroller.scrollHeight - scroller.clientHeight;
          if (!step) scroller.scrollTop = Math.round((max * k) / sweep);
          else {
            // Back and forth: the same rows change per frame however long the list.
            let next = scroller.scrollTop + direction * step;
            if (next > max || next < 0) {
              direction = -direction;
              next = Math.min(max, Math.max(0, scroller.scrollTop + direction * step));
            }
            scroller.scrollTop = next;
          }
        }
        requestAnimationFrame(tick);
        return;
      }
      observer?.disconnect();
      const work = workTimes.slice(Math.min(workFrom, workTimes.length));
      resolve({
        frames: deltas.length,
        p50: quantile(deltas, 0.5),
        p95: quantile(deltas, 0.95),
        max: deltas.length ? Math.max(...deltas) : 0,
        over16: deltas.filter((d) => d > 1000 / 60 + 0.5).length,
        workP50: quantile(work, 0.5),
        workP95: quantile(work, 0.95),
        redraws: work.length,
        longTasks,
        longTaskMs,
        scrollTop: scroller.scrollTop,
        scrollHeight: scroller.scrollHeight,
        ms: performance.now() - start,
      });
    };
    requestAnimationFrame(tick);
  });
}

/** Nearest-rank quantile; 0 for no values. */
export function quantile(xs: readonly number[], q: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
