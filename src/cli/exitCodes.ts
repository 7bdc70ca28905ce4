/** Exit codes of `xray-anomaly` (listed in its usage text and docs/cluster.md). */
export const EXIT = {
  /** Every file has a score (or was already up to date). */
  OK: 0,
  /** Wrong arguments, missing folder, unknown model. */
  USAGE: 1,
  /** The batch finished, but some files have no score (this run or an earlier one); their rows carry the error. */
  SOME_FAILED: 2,
  /** Results could not be written (disk full, read-only, another run holds the store); rows already written are kept. */
  STORE: 3,
  /** A model could not be loaded, or the engine kept crashing. */
  ENGINE: 4,
  /** Interrupted (Ctrl-C, SIGTERM); a re-run continues where it stopped. */
  INTERRUPTED: 130,
} as const;

export const EXIT_CODES_TEXT = `Exit codes: 0 done, every file scored; 1 usage or setup error; 2 done, but some files have no score (their
rows carry the error; --rescore-errors retries them); 3 results could not be written (disk full, read-only, store busy; rows already written are kept);
4 a model could not be loaded or the engine kept crashing; 130 interrupted (a re-run continues).`;
