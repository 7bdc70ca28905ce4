import * as vscode from 'vscode';
import type { DecodeLimits } from '../core/image/types';
import type { ProviderPreference } from '../protocol/engine';
import type { Colormap, ViewerSettings } from '../protocol/viewer';

/** Every setting the extension reads, in one place, validated: a wrong value falls back and is reported once. */
export const SECTION = 'xrayAnomaly';

const PROVIDERS: ProviderPreference[] = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'];
const COLORMAPS: Colormap[] = ['jet', 'inferno', 'viridis', 'hot', 'red'];

export interface Settings {
  defaultModel: string;
  modelFolders: string[];
  provider: ProviderPreference;
  viewer: ViewerSettings;
  limits: DecodeLimits;
}

export function readSettings(warn: (message: string) => void): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const pick = <T>(key: string, ok: (v: unknown) => v is T, fallback: T): T => {
    const v = c.get<unknown>(key);
    if (v === undefined || ok(v)) return (v ?? fallback) as T;
    warn(`Setting ${SECTION}.${key} has an invalid value ${JSON.stringify(v)}; using ${JSON.stringify(fallback)}.`);
    return fallback;
  };
  const isNum =
    (lo: number, hi: number) =>
    (v: unknown): v is number =>
      typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
  const isStr = (v: unknown): v is string => typeof v === 'string';
  const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  return {
    defaultModel: pick('model.default', isStr, ''),
    modelFolders: pick('models.folders', isStrArray, []),
    provider: pick(
      'inference.executionProvider',
      (v): v is ProviderPreference => PROVIDERS.includes(v as ProviderPreference),
      'auto',
    ),
    viewer: {
      heatmapOpacity: pick('viewer.heatmapOpacity', isNum(0, 1), 0.45),
      colormap: pick('viewer.colormap', (v): v is Colormap => COLORMAPS.includes(v as Colormap), 'inferno'),
      threshold: pick('viewer.threshold', isNum(0, 1), 0.5),
      heatmapFloor: pick('viewer.heatmapFloor', isNum(0, 1), 0.3),
    },
    limits: {
      maxPixels: Math.round(pick('limits.maxMegapixels', isNum(1, 1000), 100) * 1e6),
      maxFileBytes: Math.round(pick('limits.maxFileSizeMB', isNum(1, 4096), 512) * 1024 * 1024),
    },
  };
}
