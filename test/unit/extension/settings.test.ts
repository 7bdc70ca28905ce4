import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  COLORMAPS,
  isValidSetting,
  settingDefault,
  SETTINGS,
  SETTINGS_SECTION,
  VIEWER_DEFAULTS,
  type SettingKey,
} from '../../../src/protocol/settings';
import { DEFAULT_SETTINGS } from '../../../src/webview/viewer/persist';

const manifest = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8'));
const properties: Record<string, Record<string, unknown>> = manifest.contributes.configuration.properties;

test("package.json's contributes.configuration declares exactly the settings of src/protocol/settings.ts", () => {
  const declared = Object.keys(properties).sort();
  const shared = Object.keys(SETTINGS)
    .map((k) => `${SETTINGS_SECTION}.${k}`)
    .sort();
  assert.deepEqual(declared, shared);
});

test("each setting's type, default, range and enum in package.json equal the shared table", () => {
  for (const [key, spec] of Object.entries(SETTINGS)) {
    const p = properties[`${SETTINGS_SECTION}.${key}`];
    assert.equal(p.type, spec.type, key);
    assert.deepEqual(p.default, spec.default, key);
    assert.deepEqual(p.enum, 'enum' in spec ? [...spec.enum] : undefined, key);
    assert.equal(p.minimum, 'minimum' in spec ? spec.minimum : undefined, key);
    assert.equal(p.maximum, 'maximum' in spec ? spec.maximum : undefined, key);
    if (spec.type === 'array') assert.deepEqual(p.items, { type: spec.items }, key);
    // Every enum value is described in the settings UI.
    if (Array.isArray(p.enumDescriptions)) assert.equal(p.enumDescriptions.length, (p.enum as unknown[]).length, key);
  }
});

test('the colormap setting offers the shared colormap list; the webview falls back to the shared defaults', () => {
  assert.deepEqual(properties[`${SETTINGS_SECTION}.viewer.colormap`].enum, [...COLORMAPS]);
  assert.deepEqual(DEFAULT_SETTINGS, VIEWER_DEFAULTS);
  assert.equal(VIEWER_DEFAULTS.colormap, properties[`${SETTINGS_SECTION}.viewer.colormap`].default);
});

test('every default is valid, and values out of range, of the wrong type or off the enum are not', () => {
  for (const key of Object.keys(SETTINGS) as SettingKey[]) assert.ok(isValidSetting(key, settingDefault(key)), key);
  assert.equal(isValidSetting('viewer.heatmapOpacity', 1.01), false);
  assert.equal(isValidSetting('viewer.heatmapOpacity', Number.NaN), false);
  assert.equal(isValidSetting('viewer.heatmapOpacity', '0.5'), false);
  assert.equal(isValidSetting('limits.maxMegapixels', 0.5), false);
  assert.equal(isValidSetting('limits.maxMegapixels', 1000), true);
  assert.equal(isValidSetting('viewer.colormap', 'rainbow'), false);
  assert.equal(isValidSetting('inference.executionProvider', 'webgpu'), true);
  assert.equal(isValidSetting('models.folders', ['a', 2]), false);
  assert.equal(isValidSetting('models.folders', ['a', 'b']), true);
  // Defaults are copies: changing one does not change the table.
  settingDefault('models.folders').push('x');
  assert.deepEqual(settingDefault('models.folders'), []);
});
