// The fit wizard's preview page (src/extension/fit/previewPage.ts) and its samples (plan.ts previewSamples):
// no script at all, pictures only as PNG data URIs, everything the user's files name is escaped; samples
// spread over the folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeGreyPng } from '../../../src/core/image/png';
import { previewSamples } from '../../../src/extension/fit/plan';
import { previewPage, type PreviewPageModel } from '../../../src/extension/fit/previewPage';

const png = `data:image/png;base64,${Buffer.from(encodeGreyPng(2, 2, Uint8Array.of(0, 80, 160, 255))).toString('base64')}`;

function model(over: Partial<PreviewPageModel> = {}): PreviewPageModel {
  return {
    nonce: 'abcdefgh12',
    style: 'main { color: red } /* </style><script>alert(1)</script> */',
    title: 'Hand X-ray',
    detail: 'Film crop, ...',
    hint: 'Highlight another pipeline',
    rows: [
      {
        name: 'a<b>.png',
        original: { src: png, width: 120, height: 200, label: 'Original, 600 x 1000' },
        outputs: [
          { src: png, width: 200, height: 200, label: 'Hand 1 of 2, 224 x 224' },
          { src: png, width: 200, height: 200, label: 'Hand 2 of 2, 224 x 224' },
        ],
        notice: 'Nothing to crop.',
      },
      { name: 'broken.dcm', outputs: [], error: 'Cannot be read: "x" & y' },
    ],
    ...over,
  };
}

test('one row per image: the original, then one picture per output; errors and notices as text', () => {
  const html = previewPage(model());
  assert.equal((html.match(/<section class="row">/g) ?? []).length, 2);
  assert.equal((html.match(/<img /g) ?? []).length, 3);
  assert.match(html, /<figcaption>Hand 2 of 2, 224 x 224<\/figcaption>/);
  assert.match(html, /<h2>a&lt;b&gt;\.png<\/h2>/);
  assert.match(html, /<p class="error">Cannot be read: &quot;x&quot; &amp; y<\/p>/);
  assert.match(html, /<p class="notice">Nothing to crop\.<\/p>/);
});

test('strict page: no script, images only from data: URIs, only its own stylesheet (inline, by nonce)', () => {
  const html = previewPage(model());
  assert.match(html, /content="default-src &#39;none&#39;; img-src data:; style-src &#39;nonce-abcdefgh12&#39;"/);
  // The stylesheet cannot end its own element early (the parser ends a style element at the first end tag).
  const outside = html.replace(/(<style[^>]*>)[\s\S]*?<\/style>/g, '$1</style>');
  assert.match(outside, /<style nonce="abcdefgh12"><\/style>\n<title>/);
  assert.doesNotMatch(outside, /<script/i);
  assert.throws(() => previewPage(model({ nonce: 'x"' })), /nonce/);
  const bad = model();
  bad.rows[0].outputs[0].src = 'https://evil.example/x.png';
  assert.throws(() => previewPage(bad), /PNG data URIs/);
});

test('while computing: the loading line instead of the rows', () => {
  const html = previewPage(model({ loading: 'Preparing the preview on 4 of your images...' }));
  assert.match(html, /<main aria-busy="true"><p class="loading">Preparing/);
  assert.doesNotMatch(html, /<section/);
});

test('previewSamples: all of a small list; else first, last and evenly between', () => {
  assert.deepEqual(previewSamples(['a', 'b']), ['a', 'b']);
  const files = Array.from({ length: 100 }, (_, i) => i);
  assert.deepEqual(previewSamples(files), [0, 33, 66, 99]);
  assert.deepEqual(previewSamples(files, 3), [0, 50, 99]);
});
