import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDicomTags, type DicomTagEntry } from '../../../src/core/decode';
import { type XrayError } from '../../../src/core/errors';
import { makeDicom } from '../../fixtures/dicom';
import {
  concat,
  element,
  item,
  itemEnd,
  part10,
  sequenceEnd,
  u16,
  u32,
  UNDEFINED,
  ascii,
} from '../../fixtures/hostile';

function flat(rows: DicomTagEntry[]): DicomTagEntry[] {
  return rows.flatMap((r) => [r, ...flat(r.children ?? [])]);
}

function byKeyword(rows: DicomTagEntry[], keyword: string): DicomTagEntry {
  const r = flat(rows).find((x) => x.keyword === keyword);
  assert.ok(r, `no ${keyword}`);
  return r;
}

const SPEC = {
  width: 10,
  height: 8,
  patientName: 'Doe^Jane',
  patientId: 'MRN-4711',
  windows: [{ center: 100, width: 200, explanation: 'SOFT' }],
  pixelSpacing: [0.1, 0.12] as [number, number],
  modalityLut: { first: 0, bits: 16, data: [1, 2, 3] },
  override: {
    InstitutionName: 'St. Elsewhere',
    StudyDate: '20240102',
    PatientBirthDate: '19700101',
    Manufacturer: 'ACME',
    '00091010': undefined,
  },
};

for (const transferSyntax of ['explicit', 'implicit', 'bigEndian', 'deflated'] as const) {
  test(`${transferSyntax}: every attribute with keyword, VR, display value, and the meta header first`, async () => {
    const rows = readDicomTags(await makeDicom({ ...SPEC, transferSyntax }));
    assert.equal(rows[0].tag, '0002,0000');
    assert.equal(byKeyword(rows, 'TransferSyntaxUID').vr, 'UI');
    assert.equal(byKeyword(rows, 'PatientName').value, 'Doe^Jane');
    assert.equal(byKeyword(rows, 'Rows').value, '8');
    assert.equal(byKeyword(rows, 'Rows').vr, 'US');
    assert.equal(byKeyword(rows, 'PixelSpacing').value, '0.1\\0.12');
    assert.equal(byKeyword(rows, 'WindowCenterWidthExplanation').value, 'SOFT');
    assert.match(byKeyword(rows, 'PixelData').value, /^\(binary, 160 bytes\)$/);
    const seq = byKeyword(rows, 'ModalityLUTSequence');
    assert.equal(seq.vr, 'SQ');
    assert.equal(seq.value, '1 item');
    assert.equal(seq.children!.length, 1);
    assert.equal(seq.children![0].tag, 'FFFE,E000');
    assert.equal(seq.children![0].depth, seq.depth + 1);
    const descriptor = seq.children![0].children!.find((r) => r.keyword === 'LUTDescriptor')!;
    assert.equal(descriptor.value, '3\\0\\16');
    assert.equal(descriptor.depth, seq.depth + 2);
  });
}

test('identifying attributes are flagged; image attributes are not', async () => {
  const rows = readDicomTags(await makeDicom(SPEC));
  for (const k of [
    'PatientName',
    'PatientID',
    'PatientBirthDate',
    'InstitutionName',
    'StudyDate',
    'SOPInstanceUID',
    'MediaStorageSOPInstanceUID',
  ]) {
    assert.equal(byKeyword(rows, k).phi, true, k);
  }
  for (const k of [
    'Rows',
    'Columns',
    'BitsStored',
    'PhotometricInterpretation',
    'WindowCenter',
    'PixelSpacing',
    'SOPClassUID',
    'TransferSyntaxUID',
    'Modality',
    'Manufacturer',
    'PixelData',
  ]) {
    assert.equal(byKeyword(rows, k).phi, false, k);
  }
});

test('private attributes, and everything inside an identifying sequence, are flagged', () => {
  const file = part10(
    concat([
      element(0x0009, 0x0010, 'LO', ascii('ACME 1.0')),
      element(0x0009, 0x1001, 'LO', ascii('secret')),
      element(0x0008, 0x1110, 'SQ', new Uint8Array(0), UNDEFINED), // Referenced Study Sequence (Annex E)
      item(),
      element(0x0008, 0x1150, 'UI', ascii('1.2.840.10008.3.1.2.3.1\0')),
      itemEnd(),
      sequenceEnd(),
    ]),
  );
  const rows = readDicomTags(file);
  const creator = rows.find((r) => r.tag === '0009,0010')!;
  assert.equal(creator.keyword, 'PrivateCreator');
  assert.equal(creator.phi, true);
  assert.equal(rows.find((r) => r.tag === '0009,1001')!.phi, true);
  const seq = rows.find((r) => r.tag === '0008,1110')!;
  assert.equal(seq.phi, true);
  assert.ok(flat(seq.children!).every((r) => r.phi));
});

test('binary, numeric, long and multi-valued values are summarised for display', () => {
  const long = 'x'.repeat(600);
  const file = part10(
    concat([
      element(0x0008, 0x0005, 'CS', ascii('ISO_IR 192')),
      element(0x0010, 0x0010, 'PN', new TextEncoder().encode('Müller^Jürgen')),
      element(0x0018, 0x1030, 'LO', ascii(long)),
      element(0x0028, 0x0034, 'IS', ascii('1\\1 ')),
      element(0x0028, 0x1052, 'DS', ascii('-1024 ')),
      element(0x0018, 0x6024, 'FD', new Uint8Array(new Float64Array([1.5, -2]).buffer)),
      element(0x0020, 0x9165, 'AT', concat([u16(0x0028), u16(0x0010)])),
      element(0x0028, 0x1201, 'OW', new Uint8Array(512)),
      element(0x0018, 0x1310, 'US', new Uint8Array(new Uint16Array(40).fill(3).buffer)),
    ]),
  );
  const rows = readDicomTags(file);
  const v = (tag: string) => rows.find((r) => r.tag === tag)!.value;
  assert.equal(v('0010,0010'), 'Müller^Jürgen');
  assert.equal(v('0018,1030').length, 257);
  assert.ok(v('0018,1030').endsWith('…'));
  assert.equal(v('0028,1052'), '-1024');
  assert.equal(v('0018,6024'), '1.5\\-2');
  assert.equal(v('0020,9165'), '(0028,0010)');
  assert.equal(v('0028,1201'), '(binary, 512 bytes)');
  assert.match(v('0018,1310'), /^3(\\3){31}\\… \(40 values\)$/);
});

test('truncated and capped lists end with a note row (tag "")', async () => {
  const file = await makeDicom(SPEC);
  const cut = readDicomTags(file.slice(0, file.length - 50));
  const last = cut[cut.length - 1];
  assert.equal(last.tag, '');
  assert.match(last.value, /ends inside element \(7FE0,0010\)/);
  const capped = readDicomTags(file, { maxTags: 5 });
  assert.equal(flat(capped).filter((r) => r.tag !== '').length, 5);
  assert.match(capped[capped.length - 1].value, /first 5 attributes/);
});

test('not DICOM: UNSUPPORTED_FORMAT', () => {
  assert.throws(
    () => readDicomTags(ascii('hello, world')),
    (e: XrayError) => e.code === 'UNSUPPORTED_FORMAT',
  );
});

test('readDicomTags never writes to the console', async () => {
  const file = await makeDicom(SPEC);
  const calls: unknown[] = [];
  const saved = {
    log: console.log,
    warn: console.warn,
    error: console.error,
    info: console.info,
    debug: console.debug,
  };
  for (const k of Object.keys(saved) as (keyof typeof saved)[]) console[k] = (...a: unknown[]) => void calls.push(a);
  try {
    readDicomTags(file);
    readDicomTags(file.slice(0, 400));
  } finally {
    Object.assign(console, saved);
  }
  assert.deepEqual(calls, []);
});

test('regression (fuzz): an implicit-VR sequence whose length runs past the end is listed without reading past it', () => {
  // (0028,0010) is US in the dictionary; its value starts with an item tag, so it is read as a sequence.
  const body = concat([u16(0x0028), u16(0x0010), u32(0x1000), item(8), u16(0x0028), u16(0x0011), u32(0)]);
  const rows = readDicomTags(part10(body, '1.2.840.10008.1.2'));
  assert.ok(rows.some((r) => r.tag === '0028,0010'));
});
