import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XrayError } from '../../../src/core/errors';
import { checkModelIO, manifestProblems, parseManifest } from '../../../src/core/model/validate';
import { makeManifest } from '../preprocess/images';

const good = () =>
  makeManifest([
    { op: 'intensity', mode: 'percentile', low: 1, high: 99 },
    { op: 'photometric', invertBrightBackground: true },
    { op: 'histogramEqualize' },
    { op: 'resizePad', size: 64 },
    { op: 'scale', scale: 2, offset: -1 },
  ]) as unknown as Record<string, unknown>;

function problemsOf(mutate: (m: any) => void): string[] {
  const m = good();
  mutate(m);
  return manifestProblems(m);
}

function invalid(text: string, path = '/models/x/broken.model.json'): XrayError {
  try {
    parseManifest(text, path);
  } catch (e) {
    assert.ok(e instanceof XrayError);
    assert.equal(e.code, 'MODEL_INVALID');
    return e;
  }
  assert.fail('expected MODEL_INVALID');
}

test('a complete manifest parses, with a BOM and with $schema and metadata', () => {
  const m = { $schema: './manifest.schema.json', ...good(), metadata: { fit: { images: 10 } } };
  const parsed = parseManifest(`\ufeff${JSON.stringify(m)}`, 'a.model.json');
  assert.equal(parsed.id, 'test-model');
  assert.deepEqual(manifestProblems(good()), []);
});

test('every field is type-checked, with its path in the message', () => {
  const cases: [(m: any) => void, string][] = [
    [(m) => (m.input.height = -3), 'input.height must be an integer from 1 to 8192 (got -3)'],
    [(m) => (m.input.width = 1.5), 'input.width must be an integer from 1 to 8192 (got 1.5)'],
    [(m) => (m.input.channels = 2), 'input.channels must be 1 or 3 (got 2)'],
    [(m) => delete m.input.name, 'input.name is required'],
    [(m) => (m.schema = 'other/2'), "schema must be 'xray-anomaly-model/1'"],
    [(m) => (m.id = '../evil'), "id must be a string of letters, digits, '.', '_' or '-'"],
    [(m) => (m.name = ''), 'name must be a non-empty string'],
    [(m) => (m.calibration.threshold = 'high'), 'calibration.threshold must be a finite number (got "high")'],
    [
      (m) => (m.postprocess = { reduce: 'median' }),
      `postprocess.reduce must be 'mean', 'max' or {"topK": positive integer} (got "median")`,
    ],
    [(m) => (m.postprocess = { reduce: { topK: 0 } }), 'postprocess.reduce must be'],
    [
      (m) => (m.postprocess = { smoothingSigma: -1 }),
      'postprocess.smoothingSigma must be a number from 0 to 64 (got -1)',
    ],
    [
      (m) => (m.postprocess = { maskForground: true }),
      "postprocess.maskForground is not a known field; did you mean 'maskForeground'?",
    ],
    [(m) => (m.preprocesing = m.preprocessing), "preprocesing is not a known field; did you mean 'preprocessing'?"],
    [
      (m) => (m.input.normalize = { mean: [0.5], std: [0] }),
      'input.normalize.std[0] must be a positive number (got 0)',
    ],
    [
      (m) => (m.preprocessing.steps[3].size = 0),
      'preprocessing.steps[3].size must be an integer from 1 to 8192 (got 0)',
    ],
    [
      (m) => (m.preprocessing.steps[1].cornerSize = 'big'),
      'preprocessing.steps[1].cornerSize must be an integer from 1 to 4096',
    ],
    [
      (m) => (m.preprocessing.steps[0].mode = 'auto'),
      "preprocessing.steps[0].mode must be 'window', 'minmax', 'percentile' or 'bits' (got \"auto\")",
    ],
    [(m) => (m.preprocessing.steps[0].extra = 1), 'preprocessing.steps[0].extra is not a known field'],
    [(m) => (m.preprocessing = { steps: {} }), 'preprocessing.steps must be an array'],
    [(m) => delete m.preprocessing, 'preprocessing is required'],
  ];
  for (const [mutate, expected] of cases) {
    const problems = problemsOf(mutate);
    assert.ok(
      problems.some((p) => p.startsWith(expected)),
      `expected a problem starting "${expected}", got ${JSON.stringify(problems)}`,
    );
  }
});

test('unknown preprocessing steps are rejected with the list of known ones', () => {
  const problems = problemsOf((m) => m.preprocessing.steps.push({ op: 'deskew', angle: 3 }));
  assert.deepEqual(problems, [
    "preprocessing.steps[5].op 'deskew' is not known; known: cropExposed, rotatePortrait, intensity, photometric, maskText, foreground, splitHands, histogramEqualize, clahe, resizePad, resize, scale",
  ]);
  assert.match(
    problemsOf((m) => m.preprocessing.steps.push({ size: 3 }))[0],
    /preprocessing\.steps\[5\]\.op is required; known: cropExposed/,
  );
});

test('cross-field rules', () => {
  assert.deepEqual(
    problemsOf((m) => (m.calibration = { threshold: 1, min: 2, max: 2 })),
    ['calibration.max (2) must be greater than calibration.min (2)'],
  );
  assert.deepEqual(
    problemsOf((m) => (m.outputs = {})),
    ['outputs must name at least one of reconstruction, anomalyMap, score'],
  );
  assert.match(problemsOf((m) => (m.outputs = { reconstruction: 'a', anomalyMap: 'b' }))[0], /not both/);
  assert.match(
    problemsOf((m) => (m.input = { ...m.input, channels: 3, normalize: { mean: [1, 2], std: [1] } }))[0],
    /input\.normalize\.mean has 2 values; give 1 .* or 3/,
  );
  assert.match(
    problemsOf((m) => (m.preprocessing.steps[3].size = 128))[0],
    /preprocessing produces 128x128 images but input is 64x64/,
  );
  assert.match(
    problemsOf((m) => (m.preprocessing.steps[0].high = 0.5))[0],
    /preprocessing\.steps\[0\] \(intensity\): low \(1\) must be below high \(0\.5\)/,
  );
  assert.match(
    problemsOf((m) => (m.preprocessing.steps[0] = { op: 'intensity', mode: 'window', low: 2 }))[0],
    /low\/high apply only to mode 'percentile'/,
  );
  assert.match(problemsOf((m) => (m.preprocessing.steps[4].scale = 0))[0], /scale must not be 0/);
});

test('the onnx path must stay inside the manifest folder', () => {
  for (const bad of [
    '../other/model.onnx',
    '/etc/passwd',
    'C:\\models\\x.onnx',
    'sub/../../x.onnx',
    '..\\x.onnx',
    'https://example.com/x.onnx',
    '.',
    '',
  ]) {
    const problems = problemsOf((m) => (m.onnx = bad));
    assert.equal(problems.length, 1, `${bad}: ${problems}`);
    assert.match(problems[0], /^onnx /);
  }
  for (const ok of ['model.onnx', 'sub/model.onnx', './sub/../model.onnx', 'sub\\model.onnx'])
    assert.deepEqual(
      problemsOf((m) => (m.onnx = ok)),
      [],
    );
});

test('parse errors name the file and the position; all problems are listed', () => {
  const e = invalid('{\n  "id": "x",\n  oops\n}');
  assert.match(e.message, /^Model manifest broken\.model\.json is not valid JSON: .*line 3, column 3/);
  const many = invalid(JSON.stringify({ ...good(), id: 5, name: 5, version: 5, input: 5, outputs: 5, calibration: 5 }));
  assert.match(many.message, /^Model manifest broken\.model\.json is invalid: id must be .*; and 1 more\.$/);
  assert.match(many.detail!, /\/models\/x\/broken\.model\.json/);
  assert.equal(many.detail!.split('\n').length, 7);
  assert.match(invalid('[1,2]').message, /the manifest must be an object \(got \[1,2\]\)/);
  assert.match(invalid('x'.repeat(2_000_000)).message, /too large/);
});

const io = (
  dims: (number | string)[],
  outputs: (string | { name: string; type?: string })[] = ['reconstruction'],
  inputName = 'input',
) => ({ inputs: [{ name: inputName, dims }], outputs });

test('checkModelIO accepts fitting and dynamic dims, and ORT-style output metadata', () => {
  const m = makeManifest([{ op: 'resizePad', size: 64 }]);
  checkModelIO(m, io([1, 1, 64, 64]));
  checkModelIO(m, io(['batch', 1, 'h', 'w']));
  checkModelIO(m, io([-1, 1, 64, 64], [{ name: 'reconstruction', type: 'float32' }]));
});

test('checkModelIO explains every mismatch', () => {
  const m = makeManifest([{ op: 'resizePad', size: 64 }], {
    outputs: { anomalyMap: 'anomaly_map', score: 'pred_score' },
  });
  const mismatch = (ioValue: Parameters<typeof checkModelIO>[1]): string => {
    try {
      checkModelIO(m, ioValue);
    } catch (e) {
      assert.ok(e instanceof XrayError && e.code === 'MODEL_INPUT_MISMATCH');
      return e.message;
    }
    assert.fail('expected MODEL_INPUT_MISMATCH');
  };
  const outs = ['anomaly_map', 'pred_score'];
  assert.match(
    mismatch(io([1, 1, 64, 64], outs, 'image')),
    /input 'input' is not an input of the ONNX file \(its inputs: 'image'\)/,
  );
  assert.match(
    mismatch(io([1, 3, 64, 64], outs)),
    /network expects 3 channels but the manifest says input\.channels = 1/,
  );
  assert.match(
    mismatch(io([1, 1, 224, 224], outs)),
    /expects 224x224 pixels \(width x height\) but the manifest says 64x64/,
  );
  assert.match(mismatch(io([4, 1, 64, 64], outs)), /fixed batch size of 4/);
  assert.match(mismatch(io([1, 64, 64], outs)), /has 3 dimensions \[1, 64, 64\]; expected 4/);
  assert.match(
    mismatch(io([1, 1, 64, 64], ['anomaly_map'])),
    /outputs\.score 'pred_score' is not an output of the ONNX file \(its outputs: 'anomaly_map'\)/,
  );
  assert.match(
    mismatch(io([1, 1, 64, 64], [{ name: 'anomaly_map', type: 'float16' }, 'pred_score'])),
    /output 'anomaly_map' \(outputs\.anomalyMap\) gives float16 values/,
  );
  assert.match(
    mismatch({
      inputs: [
        { name: 'input', dims: [1, 1, 64, 64] },
        { name: 'mask', dims: [1] },
      ],
      outputs: outs,
    }),
    /other inputs .*'mask'/,
  );
  assert.match(
    mismatch({ inputs: [{ name: 'input', dims: [1, 1, 64, 64], type: 'uint8' }], outputs: outs }),
    /takes uint8 values/,
  );
  // Several problems at once are all reported.
  assert.match(mismatch(io([1, 3, 32, 32], [])), /channels.*; .*pixels.*; .*anomaly_map.*; .*pred_score/);
});
