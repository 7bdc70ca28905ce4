/**
 * What the viewer and the results panel show when a scored folder's scores are compared with the normals
 * the model was calibrated on (core/scoring/drift.ts). The host writes the text (localised), the webviews
 * show it with a style per status.
 */
export interface DriftNote {
  status: 'ok' | 'higher' | 'lower';
  /** The scored folder, relative to its workspace folder ('' for the workspace folder itself). */
  folder: string;
  modelId: string;
  /** Scored images the verdict rests on. */
  images: number;
  /** Lower-quartile shift in robust standard deviations of the calibration normals. */
  shift: number;
  /** The verdict for the user, one paragraph. */
  text: string;
  /** Images the user labelled normal in this folder, and the false-alarm rate measured on them. */
  normals?: { count: number; flagged: number; rate: number; low: number; high: number; text: string };
}
