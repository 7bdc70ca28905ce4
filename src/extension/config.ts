import * as vscode from 'vscode';
import type { DecodeLimits } from '../core/image/types';
import type { ProviderPreference } from '../protocol/engine';
import {
  isValidSetting,
  settingDefault,
  SETTINGS_SECTION,
  type SettingKey,
  type SettingValue,
} from '../protocol/settings';
import type { ViewerSettings } from '../protocol/viewer';
import type { QualityThresholds } from '../core/quality/types';
import { qualityThresholds } from '../protocol/settings';

/** Every setting the extension reads, validated: a wrong value falls back to its default and is reported. */
export const SECTION = SETTINGS_SECTION;

export interface Settings {
  defaultModel: string;
  modelFolders: string[];
  provider: ProviderPreference;
  viewer: Required<ViewerSettings>;
  limits: DecodeLimits;
}

export function readSettings(warn: (message: string) => void): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const pick = <K extends SettingKey>(key: K): SettingValue<K> => {
    const v = c.get<unknown>(key);
    if (v !== undefined && isValidSetting(key, v)) return v;
    const fallback = settingDefault(key);
    // Log text, not UI: stays English like the rest of the log.
    if (v !== undefined)
      warn(`Setting ${SECTION}.${key} has an invalid value ${JSON.stringify(v)}; using ${JSON.stringify(fallback)}.`);
    return fallback;
  };
  return {
    defaultModel: pick('model.default'),
    modelFolders: pick('models.folders'),
    provider: pick('inference.executionProvider'),
    viewer: {
      heatmapOpacity: pick('viewer.heatmapOpacity'),
      colormap: pick('viewer.colormap'),
      threshold: pick('viewer.threshold'),
      heatmapFloor: pick('viewer.heatmapFloor'),
    },
    limits: {
      maxPixels: Math.round(pick('limits.maxMegapixels') * 1e6),
      maxFileBytes: Math.round(pick('limits.maxFileSizeMB') * 1024 * 1024),
    },
  };
}

/** Remembers what the user chose in a viewer as the user-level defaults for the next one. */
export function rememberViewerSettings(s: Partial<ViewerSettings>): void {
  const c = vscode.workspace.getConfiguration(SECTION);
  const keys = ['heatmapOpacity', 'colormap', 'threshold', 'heatmapFloor'] as const;
  for (const k of keys) {
    const key = `viewer.${k}` as const;
    // The webview's values are checked like any input; a bad one is not written.
    if (s[k] !== undefined && isValidSetting(key, s[k])) void c.update(key, s[k], vscode.ConfigurationTarget.Global);
  }
}

/** The dataset-quality thresholds for files under `uri` (invalid values fall back to their defaults). */
export function readQualityThresholds(uri?: vscode.Uri): QualityThresholds {
  const c = vscode.workspace.getConfiguration(SECTION, uri);
  return qualityThresholds((key) => {
    const v = c.get<unknown>(key);
    return v !== undefined && isValidSetting(key, v) ? v : settingDefault(key);
  });
}
