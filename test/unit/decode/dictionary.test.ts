/**
 * The packed data dictionary (src/core/decode/dicom/dictionary.ts) against dcmjs's, and the PHI keyword
 * list against both. XRAY_WRITE_DICTIONARY=1 regenerates the dictionary's table from dcmjs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DICTIONARY_GROUPS, lookupTag } from '../../../src/core/decode/dicom/dictionary';
import { isPhi, PHI_KEYWORDS } from '../../../src/core/decode/dicom/phi';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs') as {
  data: { DicomMetaDictionary: { nameMap: Record<string, { tag: string; vr: string; name: string }> } };
};
const NAME_MAP = dcmjs.data.DicomMetaDictionary.nameMap;
/** Multi-VR attributes ("US or SS", "OB or OW"...) get their usual VR. */
const VR_FIX: Record<string, string> = { up: 'UL', ox: 'OW', xs: 'US', lt: 'OW', na: 'UN' };

function expectedTable(): string[] {
  const groups = new Set(DICTIONARY_GROUPS);
  return Object.values(NAME_MAP)
    .filter((e) => groups.has(e.tag.slice(1, 5)))
    .map((e) => `${e.tag.slice(1, 5)}${e.tag.slice(6, 10)}${VR_FIX[e.vr] ?? e.vr}${e.name.replace(/^RETIRED_/, '')}`)
    .sort();
}

const FILE = join(__dirname, '../../../src/core/decode/dicom/dictionary.ts');

test('the packed dictionary is exactly dcmjs for its groups', () => {
  const src = readFileSync(FILE, 'utf8');
  const packed = src
    .slice(src.indexOf('const PACKED = `') + 16, src.indexOf('`;', src.indexOf('const PACKED = `')))
    .trim()
    .split('\n');
  const expected = expectedTable();
  if (process.env.XRAY_WRITE_DICTIONARY === '1') {
    writeFileSync(FILE, src.replace(packed.join('\n'), expected.join('\n')));
    return;
  }
  assert.deepEqual(packed, expected, 'regenerate with XRAY_WRITE_DICTIONARY=1 npm run test:unit -- dictionary');
  assert.deepEqual(lookupTag(0x00100010), { vr: 'PN', keyword: 'PatientName' });
  assert.deepEqual(lookupTag(0x7fe00010), { vr: 'OW', keyword: 'PixelData' });
  // Repeating groups: any overlay group reads as 6000.
  assert.equal(lookupTag(0x60023000)?.keyword, 'OverlayData');
  assert.equal(lookupTag(0x00991234), undefined);
});

test('every PHI keyword is a real attribute inside the dictionary, so it can be matched', () => {
  for (const k of PHI_KEYWORDS) {
    const entry = NAME_MAP[k] ?? NAME_MAP[`RETIRED_${k}`];
    assert.ok(entry, `${k} is not a DICOM keyword`);
    const tag = entry.tag;
    assert.ok(
      lookupTag(parseInt(tag.slice(1, 5) + tag.slice(6, 10), 16))?.keyword === k,
      `${k} (${tag}) is outside the packed dictionary`,
    );
  }
});

test('PHI rules beyond the list: private, person names, dates, UIDs that name instances, overlays', () => {
  assert.equal(isPhi(0x00091001, 'LO', ''), true);
  assert.equal(isPhi(0x00081070, 'PN', 'OperatorsName'), true);
  assert.equal(isPhi(0x00189507, 'DA', 'SomeDate'), true);
  assert.equal(isPhi(0x00200052, 'UI', 'FrameOfReferenceUID'), true);
  assert.equal(isPhi(0x00080016, 'UI', 'SOPClassUID'), false);
  assert.equal(isPhi(0x00020010, 'UI', 'TransferSyntaxUID'), false);
  assert.equal(isPhi(0x60003000, 'OW', 'OverlayData'), true);
  assert.equal(isPhi(0x60000010, 'US', 'OverlayRows'), false);
  assert.equal(isPhi(0x00280010, 'US', 'Rows'), false);
});
