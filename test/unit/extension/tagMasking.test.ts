import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phiPlaceholder, tagsForViewer, type TagEntryLike } from '../../../src/extension/viewer/tagMasking';

const entries: TagEntryLike[] = [
  { tag: '(0008,0060)', keyword: 'Modality', vr: 'CS', value: 'DX', phi: false, depth: 0 },
  { tag: '(0010,0010)', keyword: 'PatientName', vr: 'PN', value: 'Doe^Jane', phi: true, depth: 0 },
  {
    tag: '(0010,1002)',
    keyword: 'OtherPatientIDsSequence',
    vr: 'SQ',
    value: '1 item',
    phi: true,
    depth: 0,
    // Nested attributes under a patient-identifying sequence are masked even if not flagged themselves.
    children: [{ tag: '(0010,0020)', keyword: 'PatientID', vr: 'LO', value: 'OTHER-7', phi: false, depth: 1 }],
  },
  {
    tag: '(0008,1140)',
    keyword: 'ReferencedImageSequence',
    vr: 'SQ',
    value: '1 item',
    phi: false,
    depth: 0,
    children: [
      { tag: '(0008,1155)', keyword: 'ReferencedSOPInstanceUID', vr: 'UI', value: '1.2.3', phi: false, depth: 1 },
    ],
  },
];

test('before reveal no patient-identifying value is in the message, nested ones included', () => {
  const m = tagsForViewer(entries, false);
  const text = JSON.stringify(m);
  assert.doesNotMatch(text, /Doe|Jane|OTHER-7/);
  assert.equal(m.revealed, false);
  // Name and the nested ID: the sequence row's own value is its item count, kept.
  assert.equal(m.phiCount, 2);
  assert.equal(m.tags[2].value, '1 item');
  assert.equal(m.tags[2].masked, false);
  assert.equal(m.tags[2].phi, true);
  assert.equal(m.tags[1].value, phiPlaceholder());
  assert.equal(m.tags[1].masked, true);
  assert.equal(m.tags[2].children![0].masked, true);
  assert.equal(m.tags[2].children![0].phi, true);
  assert.equal(m.tags[0].value, 'DX');
  assert.equal(m.tags[3].children![0].value, '1.2.3');
});

test('after reveal the real values are sent, still flagged as patient data', () => {
  const m = tagsForViewer(entries, true);
  assert.equal(m.tags[1].value, 'Doe^Jane');
  assert.equal(m.tags[1].masked, false);
  assert.equal(m.tags[1].phi, true);
  assert.equal(m.tags[2].children![0].value, 'OTHER-7');
  assert.equal(m.phiCount, 2);
});

test('the source entries are not modified', () => {
  tagsForViewer(entries, false);
  assert.equal(entries[1].value, 'Doe^Jane');
});

test('items of a flagged sequence keep their structure, their attributes are masked', () => {
  const seq: TagEntryLike[] = [
    {
      tag: '0008,1140',
      keyword: 'ReferencedImageSequence',
      vr: 'SQ',
      value: '1 item',
      phi: true,
      depth: 0,
      children: [
        {
          tag: 'FFFE,E000',
          keyword: 'Item',
          vr: '',
          value: 'Item 1',
          phi: true,
          depth: 1,
          children: [
            { tag: '0008,1155', keyword: 'ReferencedSOPInstanceUID', vr: 'UI', value: '1.2.3.4', phi: true, depth: 2 },
          ],
        },
      ],
    },
  ];
  const m = tagsForViewer(seq, false);
  assert.equal(m.tags[0].children![0].value, 'Item 1');
  assert.equal(m.tags[0].children![0].children![0].value, phiPlaceholder());
  assert.equal(m.phiCount, 1);
  assert.doesNotMatch(JSON.stringify(m), /1\.2\.3\.4/);
});
