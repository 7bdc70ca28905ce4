// One place that knows what this process started, so that every way out (normal end, error, Ctrl-C, kill,
// hard timeout) stops code-server and Chromium instead of leaving them running.
const tasks = new Set();
const syncTasks = new Set();
let exiting = false;

/**
 * Registers `fn` (async; graceful) and optionally `syncFn` (sync; used when the process is already exiting,
 * e.g. a SIGKILL to a process group). Returns a function that unregisters both.
 */
export function onCleanup(fn, syncFn) {
  tasks.add(fn);
  if (syncFn) syncTasks.add(syncFn);
  return () => {
    tasks.delete(fn);
    if (syncFn) syncTasks.delete(syncFn);
  };
}

/** Runs every registered cleanup once, newest first, each bounded by `timeoutMs`. */
export async function cleanupAll(timeoutMs = 8000) {
  const list = [...tasks].reverse();
  tasks.clear();
  for (const fn of list) {
    await Promise.race([
      Promise.resolve()
        .then(fn)
        .catch((e) => console.error(`[cleanup] ${e?.message ?? e}`)),
      new Promise((r) => setTimeout(r, timeoutMs).unref()),
    ]);
  }
  for (const fn of syncTasks) fn();
  syncTasks.clear();
}

/** True once an exit (signal, error or normal end) has begun. */
export function isExiting() {
  return exiting;
}

/** Cleans up, then exits with `code`. Safe to call more than once. */
export async function exitAfterCleanup(code) {
  if (exiting) return;
  exiting = true;
  await cleanupAll();
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (exiting) return;
    console.error(`\n[cleanup] ${signal}: stopping what this run started`);
    void exitAfterCleanup(130);
  });
}
process.on('exit', () => {
  for (const fn of syncTasks) {
    try {
      fn();
    } catch {
      // already gone
    }
  }
});
