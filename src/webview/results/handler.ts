/**
 * The webview's message handler: every host message goes through here into the state (the one place
 * that changes it) or to the answer of a request. Pure, so it is tested without a DOM; what needs the
 * views (a simulated drag, the rendered-row count) comes in through `ViewHooks`.
 */
import type { HostToResultsMessage, ResultsAction, ResultsReport } from '../../protocol/results';
import { buildReport } from './report';
import type { PanelState } from './state';

export interface ViewHooks {
  rendered(): number;
  dragThreshold(from: number, to: number): void;
  open(row: number, model: number): void;
  reveal(row: number): void;
}

export interface Responder {
  respond(id: number, result: unknown): void;
  respondError(id: number, error: { code: 'INTERNAL'; message: string }): void;
}

export function handleMessage(state: PanelState, msg: HostToResultsMessage, views: ViewHooks, out: Responder): void {
  if (msg.kind === 'notify') {
    switch (msg.type) {
      case 'init':
        state.init(msg.params);
        return;
      case 'rows':
        state.addRows(msg.params.first, msg.params.paths, msg.params.labels);
        return;
      case 'cells':
        state.applyCells(msg.params.cells);
        return;
      case 'progress':
        state.setProgress(msg.params);
        return;
      case 'metrics':
        state.setMetrics(msg.params.labelsFrom, msg.params.models);
        return;
      case 'thumbnails':
        state.setThumbnails(msg.params.items);
        return;
    }
    return;
  }
  try {
    switch (msg.method) {
      case 'getReport':
        out.respond(msg.id, buildReport(state, views.rendered()));
        return;
      case 'act':
        runAction(state, msg.params, views);
        out.respond(msg.id, buildReport(state, views.rendered()) satisfies ResultsReport);
        return;
      case 'neighbour': {
        const next = state.neighbour(msg.params.row, msg.params.delta);
        if (next !== undefined) {
          state.select(next, 'replace');
          views.reveal(next);
        }
        out.respond(msg.id, next === undefined ? undefined : { row: next });
        return;
      }
    }
    out.respondError((msg as { id: number }).id, {
      code: 'INTERNAL',
      message: `Unknown request "${(msg as { method: string }).method}".`,
    });
  } catch (err) {
    out.respondError(msg.id, { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) });
  }
}

export function runAction(state: PanelState, a: ResultsAction, views: ViewHooks): void {
  switch (a.action) {
    case 'setQuery':
      state.setQuery(a.query);
      return;
    case 'setThreshold':
      state.setThreshold(a.model, a.threshold);
      return;
    case 'dragThreshold':
      views.dragThreshold(a.from, a.to);
      return;
    case 'select':
      state.selectRows(a.rows);
      return;
    case 'openRow':
      state.select(a.row, 'replace');
      views.open(a.row, state.query.model);
      return;
  }
}
