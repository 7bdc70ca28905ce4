/**
 * The extension's settings at run time: keys, defaults, ranges and the colormap list, in one place that the
 * extension host (reading the configuration) and the webviews (falling back when saved state is bad) both
 * import. package.json's `contributes.configuration` repeats them for VS Code's settings UI; a unit test
 * (test/unit/extension/settings.test.ts) keeps the two equal. Plain TypeScript: no `vscode`, no DOM.
 */
import type { QualityThresholds } from '../core/quality/types';
import type { ProviderPreference } from './engine';
import type { Colormap, ViewerSettings } from './viewer';

/** The configuration section: every key below is `xrayAnomaly.<key>`. */
export const SETTINGS_SECTION = 'xrayAnomaly';

/** Heatmap colormaps, in the order the settings UI lists them. */
export const COLORMAPS = ['jet', 'inferno', 'viridis', 'hot', 'red'] as const satisfies readonly Colormap[];

export const EXECUTION_PROVIDERS = [
  'auto',
  'cpu',
  'cuda',
  'webgpu',
  'dml',
  'coreml',
] as const satisfies readonly ProviderPreference[];

// Compile-time checks that the lists above name every member of the protocol's unions.
type Missing<Union, List extends readonly unknown[]> = Exclude<Union, List[number]>;
const everyColormap: [Missing<Colormap, typeof COLORMAPS>] extends [never] ? true : never = true;
const everyProvider: [Missing<ProviderPreference, typeof EXECUTION_PROVIDERS>] extends [never] ? true : never = true;
void everyColormap;
void everyProvider;

export function isColormap(v: unknown): v is Colormap {
  return typeof v === 'string' && (COLORMAPS as readonly string[]).includes(v);
}

export type SettingSpec =
  | { type: 'string'; default: string; enum?: readonly string[] }
  | { type: 'number'; default: number; minimum: number; maximum: number }
  | { type: 'array'; items: 'string'; default: readonly string[] };

/** Every setting, keyed without the section. */
export const SETTINGS = {
  'model.default': { type: 'string', default: '' },
  'models.folders': { type: 'array', items: 'string', default: [] },
  'inference.executionProvider': { type: 'string', enum: EXECUTION_PROVIDERS, default: 'auto' },
  'viewer.heatmapOpacity': { type: 'number', minimum: 0, maximum: 1, default: 0.45 },
  'viewer.colormap': { type: 'string', enum: COLORMAPS, default: 'inferno' },
  'viewer.threshold': { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
  'viewer.heatmapFloor': { type: 'number', minimum: 0, maximum: 1, default: 0.3 },
  'limits.maxMegapixels': { type: 'number', minimum: 1, maximum: 1000, default: 100 },
  'limits.maxFileSizeMB': { type: 'number', minimum: 1, maximum: 4096, default: 512 },
  'batch.include': { type: 'array', items: 'string', default: [] },
  'batch.exclude': { type: 'array', items: 'string', default: [] },
  'quality.nearDuplicateBits': { type: 'number', minimum: 0, maximum: 16, default: 2 },
  'quality.darkLevel': { type: 'number', minimum: 0, maximum: 255, default: 64 },
  'quality.brightLevel': { type: 'number', minimum: 0, maximum: 255, default: 192 },
  'quality.lowEntropy': { type: 'number', minimum: 0, maximum: 8, default: 2.5 },
  'quality.blurVariance': { type: 'number', minimum: 0, maximum: 10000, default: 8 },
  'quality.oddSizeRatio': { type: 'number', minimum: 1, maximum: 100, default: 2 },
  'quality.oddAspectRatio': { type: 'number', minimum: 1, maximum: 100, default: 1.5 },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

/** The value type each setting holds once validated. */
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends { enum: readonly (infer E)[] }
  ? E
  : (typeof SETTINGS)[K] extends { type: 'number' }
    ? number
    : (typeof SETTINGS)[K] extends { type: 'array' }
      ? string[]
      : string;

/** Whether `value` is acceptable for `key` (type, range, enum), as VS Code's settings UI would check it. */
export function isValidSetting<K extends SettingKey>(key: K, value: unknown): value is SettingValue<K> {
  const spec: SettingSpec = SETTINGS[key];
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' && (!spec.enum || spec.enum.includes(value));
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= spec.minimum && value <= spec.maximum;
    case 'array':
      return Array.isArray(value) && value.every((x) => typeof x === 'string');
  }
}

/** The default of `key` (a fresh copy for arrays, so callers cannot change the table). */
export function settingDefault<K extends SettingKey>(key: K): SettingValue<K> {
  const d: unknown = SETTINGS[key].default;
  return (Array.isArray(d) ? [...d] : d) as SettingValue<K>;
}

/** The viewer's defaults, as the settings above give them (the webview falls back to these). */
export const VIEWER_DEFAULTS: Readonly<Required<ViewerSettings>> = Object.freeze({
  heatmapOpacity: SETTINGS['viewer.heatmapOpacity'].default,
  colormap: SETTINGS['viewer.colormap'].default,
  threshold: SETTINGS['viewer.threshold'].default,
  heatmapFloor: SETTINGS['viewer.heatmapFloor'].default,
});

/** The dataset-quality thresholds (settings `quality.*`), as the core's flags take them. */
export type QualitySettingKey = Extract<SettingKey, `quality.${string}`>;

export function qualityThresholds(get: (key: QualitySettingKey) => number = settingDefault): QualityThresholds {
  return {
    nearDuplicateBits: get('quality.nearDuplicateBits'),
    darkLevel: get('quality.darkLevel'),
    brightLevel: get('quality.brightLevel'),
    lowEntropy: get('quality.lowEntropy'),
    blurVariance: get('quality.blurVariance'),
    oddSizeRatio: get('quality.oddSizeRatio'),
    oddAspectRatio: get('quality.oddAspectRatio'),
  };
}

export const QUALITY_DEFAULTS: Readonly<QualityThresholds> = Object.freeze(qualityThresholds());
