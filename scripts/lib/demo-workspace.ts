// The demo workspace: generated radiographs in every format the viewer reads (16-bit PNG, DICOM in both
// photometric interpretations, JPEG, TIFF), one with a planted anomaly, a few broken files to show the error
// messages, and, when the shared data folder exists, ~20 real chest X-rays copied (never committed).
// Loaded by scripts/demo.mjs through tsx; the generators are the tests' own fixtures.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { handPhantom, handPhantomPng, jpeg8, png16FromPixels, tiff16 } from '../../test/fixtures/images';
import { makeDicom, textBytes, truncated, zeroBytes } from '../../test/fixtures/dicom';

export interface DemoWorkspaceOptions {
  /** A folder holding chest-xray-pneumonia/train/{NORMAL,PNEUMONIA}; skipped when absent. */
  dataDir?: string;
  /** How many real images per class. */
  perClass?: number;
  /** Custom editor view type to make the default for PNG, JPEG and TIFF in this workspace. */
  viewType?: string;
}

export interface DemoWorkspaceSummary {
  generated: string[];
  real: number;
}

export async function createDemoWorkspace(dir: string, opts: DemoWorkspaceOptions = {}): Promise<DemoWorkspaceSummary> {
  const generated: string[] = [];
  const put = (rel: string, bytes: Uint8Array | string) => {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, bytes);
    generated.push(rel);
  };

  // A two-hand radiograph phantom, 16-bit, with a collimation border and a side marker.
  const hands = handPhantom({ width: 1024, height: 1280, hands: 2, marker: true, border: 24, seed: 7 });
  put('generated/hands-16bit.png', await png16FromPixels(hands.width, hands.height, hands.data));

  // The same anatomy with a bright round "lesion" in the left hand: what an anomaly detector should flag.
  const lesion = Uint16Array.from(hands.data);
  const box = hands.hands[0];
  const cx = Math.round((box.x0 + box.x1) / 2);
  const cy = Math.round(box.y0 + (box.y1 - box.y0) * 0.7);
  const r = Math.round((box.x1 - box.x0) * 0.08);
  for (let y = cy - r; y <= cy + r; y++) {
    for (let x = cx - r; x <= cx + r; x++) {
      const d2 = (x - cx) ** 2 + (y - cy) ** 2;
      if (d2 <= r * r)
        lesion[y * hands.width + x] = Math.min(65535, lesion[y * hands.width + x] + 18000 * (1 - d2 / (r * r)));
    }
  }
  put('generated/hands-with-lesion-16bit.png', await png16FromPixels(hands.width, hands.height, lesion));

  // DICOM: MONOCHROME2 with window tags, and MONOCHROME1 (inverted) with a rescale, as CR/DX files come.
  const single = handPhantom({ width: 768, height: 960, hands: 1, marker: true, seed: 3 });
  const px = (x: number, y: number) => single.data[y * single.width + x];
  put(
    'generated/hand-mono2.dcm',
    await makeDicom({
      width: single.width,
      height: single.height,
      bitsAllocated: 16,
      bitsStored: 16,
      photometric: 'MONOCHROME2',
      windows: [
        { center: 20000, width: 36000, explanation: 'HAND' },
        { center: 30000, width: 20000, explanation: 'BONE' },
      ],
      patientName: 'Demo^Hand',
      pixels: px,
    }),
  );
  put(
    'generated/hand-mono1-implicit.dcm',
    await makeDicom({
      width: single.width,
      height: single.height,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME1',
      transferSyntax: 'implicit',
      rescale: { slope: 1, intercept: -1024 },
      patientName: 'Demo^Hand^Inverted',
      pixels: (x, y) => 4095 - (px(x, y) >> 4),
    }),
  );
  put('generated/hand-8bit.jpg', await jpeg8(single.width, single.height, (x, y) => px(x, y) >> 8));
  put('generated/hand-16bit.tif', await tiff16(single.width, single.height, px));
  put('generated/hand-small-16bit.png', await handPhantomPng({ width: 256, height: 320, seed: 11 }));

  // Bad input: each should show a readable message in the editor, never a crash.
  put('broken/zero-bytes.dcm', zeroBytes());
  put('broken/truncated.dcm', truncated(await makeDicom({ width: 256, height: 256 }), 2000));
  put('broken/not-an-image.png', textBytes());

  let real = 0;
  if (opts.dataDir) real = copyRealImages(opts.dataDir, join(dir, 'chest-xray'), opts.perClass ?? 10);

  if (opts.viewType) {
    const assoc = Object.fromEntries(['*.png', '*.jpg', '*.jpeg', '*.tif', '*.tiff'].map((g) => [g, opts.viewType]));
    put('.vscode/settings.json', JSON.stringify({ 'workbench.editorAssociations': assoc }, null, 2) + '\n');
  }
  put('README.md', readme(real));
  return { generated, real };
}

/** Copies an even spread of `perClass` images of each class, so a re-run gives the same files. */
function copyRealImages(dataDir: string, dest: string, perClass: number): number {
  let n = 0;
  for (const cls of ['NORMAL', 'PNEUMONIA']) {
    const src = join(dataDir, 'chest-xray-pneumonia', 'train', cls);
    if (!existsSync(src)) continue;
    const files = readdirSync(src)
      .filter((f) => /\.(jpe?g|png|dcm)$/i.test(f))
      .sort();
    const step = Math.max(1, Math.floor(files.length / perClass));
    mkdirSync(join(dest, cls), { recursive: true });
    for (let i = 0; i < files.length && i / step < perClass; i += step) {
      copyFileSync(join(src, files[i]), join(dest, cls, files[i]));
      n++;
    }
  }
  if (n) {
    writeFileSync(
      join(dest, 'ATTRIBUTION.md'),
      [
        '# Chest X-rays (copied for the demo, not part of the project)',
        '',
        'Kermany, Zhang, Goldbaum et al., "Identifying Medical Diagnoses and Treatable Diseases by Image-Based',
        'Deep Learning", Cell 2018; data: Mendeley Data, doi:10.17632/rscbjbr9sj.2. Licence: CC BY 4.0.',
        'These copies were resized to 224x224 8-bit JPEG by the repository they came from.',
        '',
      ].join('\n'),
    );
  }
  return n;
}

function readme(real: number): string {
  return [
    '# X-ray Anomaly Review: demo workspace',
    '',
    'Generated by `npm run demo` (scripts/demo.mjs); regenerated on every run.',
    '',
    '- `generated/*.dcm` open in the X-ray viewer directly; PNG, JPEG and TIFF too in this workspace',
    '  (`.vscode/settings.json`; elsewhere use "Reopen Editor With...").',
    '- `generated/hands-with-lesion-16bit.png` has a planted bright lesion in the left hand; compare its score',
    '  and heatmap with `generated/hands-16bit.png`.',
    '- `broken/` holds bad files: each shows an error message in the editor.',
    real ? `- \`chest-xray/\` holds ${real} real paediatric chest X-rays (CC BY 4.0, see ATTRIBUTION.md).` : '',
    '',
  ].join('\n');
}
