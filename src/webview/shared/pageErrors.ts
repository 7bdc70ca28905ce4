/**
 * Uncaught errors of a webview page, sent to the extension's log. A page that throws while it starts never
 * says `ready`, and without this the only trace is in the webview's own developer tools, which nobody has
 * open (and a test run cannot read).
 */
export interface ErrorSource {
  addEventListener(type: 'error' | 'unhandledrejection', listener: (event: Event) => void): void;
  removeEventListener(type: 'error' | 'unhandledrejection', listener: (event: Event) => void): void;
}

/** At most this many distinct messages per page: a failure in a draw loop must not flood the log. */
const MAX_REPORTED = 20;

export function describePageError(event: Event): string {
  if ('reason' in event) {
    const reason = (event as PromiseRejectionEvent).reason as unknown;
    return `Unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`;
  }
  const e = event as ErrorEvent;
  const where = e.filename ? ` (${e.filename.split('/').pop()}:${e.lineno}:${e.colno})` : '';
  const err = e.error as unknown;
  // A stack names its own places; a bare message (a cross-origin "Script error.", a string thrown) needs the event's.
  return err instanceof Error && err.stack ? err.stack : `${err instanceof Error ? err.message : e.message}${where}`;
}

/** Reports each distinct error once; returns what stops listening. */
export function reportPageErrors(target: ErrorSource, report: (message: string) => void): () => void {
  const seen = new Set<string>();
  const listener = (event: Event) => {
    const message = describePageError(event);
    if (seen.has(message) || seen.size >= MAX_REPORTED) return;
    seen.add(message);
    report(message);
  };
  target.addEventListener('error', listener);
  target.addEventListener('unhandledrejection', listener);
  return () => {
    target.removeEventListener('error', listener);
    target.removeEventListener('unhandledrejection', listener);
  };
}
