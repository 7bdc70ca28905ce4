// In-page stand-in for the VS Code extension host, for the viewer dev harness. It defines
// acquireVsCodeApi(), answers the viewer's `ready` with realistic messages (a synthetic 2048x2500 16-bit
// hand radiograph with DICOM-style window presets, models, an analysis whose heatmap covers part of the
// image), and exposes window.harness for screenshot.mjs: sent messages, RPC to the viewer, timings.
// The scenario comes from the query string: ?scenario=full|running|analysisError|imageError|noMap|mono1|float|u8|multiframe|progressive
// `progressive` plays a first boot whose head start was lost: `init` lists an image and analysis that
// never arrived, the viewer asks for them (resendEarly), gets the reduced copy and the analysis, and
// the full-resolution pixels (with a single brightest pixel the copy averages away) only when the
// driver calls harness.sendFull(); harness.sendNewImage() sends another picture of the same size.
// DICOM scenarios (mono1, multiframe) also get a tag list with masked patient data; every scenario with
// an analysis gets a preprocessing preview while the strip is open.
(() => {
  'use strict';
  const q = new URLSearchParams(location.search);
  const scenario = q.get('scenario') || 'full';
  const theme = q.get('theme') || 'dark';
  const THEME_CLASS = {
    dark: 'vscode-dark',
    light: 'vscode-light',
    hc: 'vscode-high-contrast',
    hcLight: 'vscode-high-contrast-light',
  };
  const setBodyClass = () => {
    document.body.className = THEME_CLASS[theme] || 'vscode-dark';
    document.body.dataset.vscodeThemeKind = document.body.className;
  };
  if (document.body) setBodyClass();
  else document.addEventListener('DOMContentLoaded', setBodyClass);

  const sent = [];
  const pending = new Map();
  let nextId = 1;
  const timings = {};
  const STATE_KEY = 'xray-harness-state';

  const models = [
    {
      id: 'patchcore-mnv2',
      name: 'PatchCore MobileNetV2',
      version: '1.0.0',
      description: 'Memory bank on MobileNetV2 features',
    },
    { id: 'ae-hand', name: 'Conv autoencoder (hands)', version: '0.3.1', description: 'Reconstruction error' },
  ];

  // ---- synthetic image -----------------------------------------------------------------------
  const W = 2048;
  const H = 2500;

  /** Adds a cylinder-profile capsule (thickness 0..1) from (x0,y0) to (x1,y1) with radius r into buf (max). */
  function capsule(buf, x0, y0, x1, y1, r, hollow) {
    const minX = Math.max(0, Math.floor(Math.min(x0, x1) - r));
    const maxX = Math.min(W - 1, Math.ceil(Math.max(x0, x1) + r));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1) - r));
    const maxY = Math.min(H - 1, Math.ceil(Math.max(y0, y1) + r));
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy || 1;
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        let t = ((x - x0) * dx + (y - y0) * dy) / len2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = x - (x0 + t * dx);
        const ey = y - (y0 + t * dy);
        const d2 = (ex * ex + ey * ey) / (r * r);
        if (d2 >= 1) continue;
        let v = Math.sqrt(1 - d2);
        // Cortical bone: dense rim, lighter marrow.
        if (hollow) v = v - 0.55 * Math.sqrt(Math.max(0, 1 - d2 / 0.45));
        const i = y * W + x;
        if (v > buf[i]) buf[i] = v;
      }
    }
  }

  function ellipse(buf, cx, cy, rx, ry) {
    for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(H - 1, Math.ceil(cy + ry)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(W - 1, Math.ceil(cx + rx)); x++) {
        const d2 = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
        if (d2 >= 1) continue;
        const v = Math.sqrt(1 - d2);
        const i = y * W + x;
        if (v > buf[i]) buf[i] = v;
      }
    }
  }

  function makeHand() {
    const tissue = new Float32Array(W * H);
    const bone = new Float32Array(W * H);
    // Forearm, palm, thumb and four fingers (soft tissue).
    capsule(tissue, 1030, 2600, 1020, 2050, 300);
    ellipse(tissue, 1010, 1700, 470, 480);
    const fingers = [
      { base: [700, 1420], tip: [520, 700], r: 88 },
      { base: [900, 1300], tip: [860, 470], r: 95 },
      { base: [1100, 1290], tip: [1160, 430], r: 95 },
      { base: [1290, 1360], tip: [1440, 600], r: 88 },
    ];
    for (const f of fingers) capsule(tissue, f.base[0], f.base[1], f.tip[0], f.tip[1], f.r);
    capsule(tissue, 1380, 1900, 1700, 1380, 110); // thumb
    // Bones: radius and ulna, carpals, metacarpals, three phalanges per finger, two in the thumb.
    capsule(bone, 1140, 2600, 1110, 2130, 105, true);
    capsule(bone, 890, 2600, 900, 2160, 80, true);
    for (const [cx, cy] of [
      [900, 2030],
      [1010, 2010],
      [1120, 2030],
      [950, 1930],
      [1070, 1925],
      [1180, 1960],
    ])
      capsule(bone, cx, cy, cx + 5, cy + 5, 52, false);
    const mc = [
      [880, 1880, 720, 1430],
      [980, 1860, 905, 1320],
      [1090, 1860, 1100, 1300],
      [1180, 1880, 1285, 1370],
    ];
    for (const [x0, y0, x1, y1] of mc) capsule(bone, x0, y0, x1, y1, 46, true);
    fingers.forEach((f) => {
      const [bx, by] = f.base;
      const [tx, ty] = f.tip;
      const segs = [0.04, 0.42, 0.7, 0.94];
      for (let k = 0; k < 3; k++) {
        const a = segs[k] + 0.03;
        const b = segs[k + 1] - 0.03;
        capsule(
          bone,
          bx + (tx - bx) * a,
          by + (ty - by) * a,
          bx + (tx - bx) * b,
          by + (ty - by) * b,
          f.r * (0.5 - k * 0.06),
          true,
        );
      }
    });
    capsule(bone, 1270, 1930, 1450, 1700, 50, true);
    capsule(bone, 1480, 1660, 1600, 1500, 44, true);
    capsule(bone, 1625, 1470, 1690, 1390, 36, true);

    const data = new Uint16Array(W * H);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
    for (let y = 0; y < H; y++) {
      // Heel effect: exposure falls off along the anode-cathode axis.
      const heel = 1 - 0.12 * (y / H);
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const v = heel * (3200 + 11000 * tissue[i] + 19000 * bone[i]) + (rnd() + rnd() + rnd() - 1.5) * 500;
        data[i] = Math.max(0, Math.min(65535, Math.round(v)));
      }
    }
    // Burned-in "L" marker, top left.
    for (let y = 140; y < 340; y++) for (let x = 140; x < 290; x++) if (x < 180 || y > 300) data[y * W + x] = 60000;
    return data;
  }

  function makeMap() {
    const mw = 128;
    const mh = 128;
    const d = new Float32Array(mw * mh);
    const blob = (x, y, cx, cy, s) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
    for (let y = 0; y < mh; y++) {
      for (let x = 0; x < mw; x++) {
        const base = 0.12 + 0.08 * Math.sin(x / 9) * Math.cos(y / 11);
        // One anomaly above the threshold at a finger joint, one weaker below it.
        const v = base + 0.78 * blob(x, y, 48, 25, 5.5) + 0.3 * blob(x, y, 30, 72, 8) + 0.6 * blob(x, y, 54, 31, 3);
        d[y * mw + x] = Math.min(1, Math.max(0, v));
      }
    }
    // The map covers x 400..1680, y 700..1980 of the image: 10 image pixels per map pixel.
    return { width: mw, height: mh, data: d, toImage: [10, 0, 400, 0, 10, 700], rawMin: 0.0021, rawMax: 0.1184 };
  }

  function imageFor(kind) {
    const base = {
      width: W,
      height: H,
      bitsStored: 16,
      signed: false,
      rescale: { slope: 1, intercept: 0 },
      photometric: 'MONOCHROME2',
      windows: [
        { center: 22000, width: 34000, label: 'Bone' },
        { center: 11000, width: 16000, label: 'Soft tissue' },
      ],
      source: { format: 'png', encoding: 'PNG 16-bit grey', notices: [] },
      pixelSpacing: [0.1, 0.1],
    };
    const t0 = performance.now();
    const data = makeHand();
    timings.generateMs = performance.now() - t0;
    if (kind === 'multiframe') {
      return {
        ...base,
        data,
        frame: { index: frameIndex, count: 3 },
        source: { format: 'dicom', encoding: 'DICOM Explicit VR Little Endian, 16-bit MONOCHROME2', notices: [] },
        pixelSpacing: [0.143, 0.143],
        range: { min: 0, max: 65535 },
      };
    }
    if (kind === 'mono1') {
      for (let i = 0; i < data.length; i++) data[i] = 65535 - data[i];
      return {
        ...base,
        data,
        photometric: 'MONOCHROME1',
        bitsStored: 16,
        rescale: { slope: 1, intercept: 0, unit: '' },
        windows: [{ center: 65535 - 22000, width: 34000, label: 'WINDOW1' }],
        source: {
          format: 'dicom',
          encoding: 'DICOM Explicit VR Little Endian',
          transferSyntaxUid: '1.2.840.10008.1.2.1',
          notices: ['MONOCHROME1: larger values are darker; shown inverted.'],
        },
        pixelSpacing: [0.143, 0.143],
        range: { min: 0, max: 65535 },
      };
    }
    if (kind === 'float') {
      const f = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) f[i] = data[i] / 65535;
      return {
        ...base,
        data: f,
        bitsStored: 32,
        windows: [],
        source: { format: 'tiff', encoding: 'TIFF 32-bit float', notices: [] },
        pixelSpacing: undefined,
        range: { min: 0, max: 1 },
      };
    }
    if (kind === 'u8') {
      const b = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) b[i] = data[i] >> 8;
      return {
        ...base,
        data: b,
        bitsStored: 8,
        windows: [],
        source: { format: 'jpeg', encoding: 'JPEG baseline 8-bit', notices: ['Colour converted to grey.'] },
        pixelSpacing: undefined,
        range: { min: 0, max: 255 },
      };
    }
    let min = 65535;
    let max = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < min) min = data[i];
      if (data[i] > max) max = data[i];
    }
    return { ...base, data, range: { min, max } };
  }

  // ---- DICOM tags (patient data masked until revealed, as the host does) ------------------------
  const MASK = '•••• (hidden: identifies the patient)';
  let revealed = false;
  function tagList() {
    const t = (tag, keyword, vr, value, phi = false, children) => ({
      tag,
      keyword,
      vr,
      value,
      phi,
      depth: 0,
      children,
    });
    const list = [
      t('(0008,0005)', 'SpecificCharacterSet', 'CS', 'ISO_IR 100'),
      t('(0008,0008)', 'ImageType', 'CS', 'ORIGINAL\\PRIMARY'),
      t('(0008,0016)', 'SOPClassUID', 'UI', '1.2.840.10008.5.1.4.1.1.1.1'),
      t('(0008,0020)', 'StudyDate', 'DA', '20240312', true),
      t('(0008,0060)', 'Modality', 'CS', 'DX'),
      t('(0008,0080)', 'InstitutionName', 'LO', 'St. Example Hospital', true),
      t('(0008,1140)', 'ReferencedImageSequence', 'SQ', '2 items', false, [
        t('(FFFE,E000)', 'Item', '', 'Item 1', false, [
          t('(0008,1150)', 'ReferencedSOPClassUID', 'UI', '1.2.840.10008.5.1.4.1.1.1.1'),
          t('(0008,1155)', 'ReferencedSOPInstanceUID', 'UI', '1.2.826.0.1.3680043.8.498.1'),
        ]),
        t('(FFFE,E000)', 'Item', '', 'Item 2', false, [
          t('(0008,1150)', 'ReferencedSOPClassUID', 'UI', '1.2.840.10008.5.1.4.1.1.1.1'),
          t('(0008,1155)', 'ReferencedSOPInstanceUID', 'UI', '1.2.826.0.1.3680043.8.498.2'),
        ]),
      ]),
      t('(0010,0010)', 'PatientName', 'PN', 'Doe^Jane', true),
      t('(0010,0020)', 'PatientID', 'LO', 'MRN-0042', true),
      t('(0010,0030)', 'PatientBirthDate', 'DA', '19610704', true),
      t('(0010,0040)', 'PatientSex', 'CS', 'F', true),
      t('(0018,0015)', 'BodyPartExamined', 'CS', 'HAND'),
      t('(0018,1164)', 'ImagerPixelSpacing', 'DS', '0.143\\0.143'),
      t('(0028,0002)', 'SamplesPerPixel', 'US', '1'),
      t('(0028,0004)', 'PhotometricInterpretation', 'CS', scenario === 'mono1' ? 'MONOCHROME1' : 'MONOCHROME2'),
      t('(0028,0008)', 'NumberOfFrames', 'IS', scenario === 'multiframe' ? '3' : '1'),
      t('(0028,0010)', 'Rows', 'US', String(H)),
      t('(0028,0011)', 'Columns', 'US', String(W)),
      t('(0028,0030)', 'PixelSpacing', 'DS', '0.143\\0.143'),
      t('(0028,0100)', 'BitsAllocated', 'US', '16'),
      t('(0028,0101)', 'BitsStored', 'US', '16'),
      t('(0028,1050)', 'WindowCenter', 'DS', '43535'),
      t('(0028,1051)', 'WindowWidth', 'DS', '34000'),
      t('(7FE0,0010)', 'PixelData', 'OW', `${W * H * 2} bytes`),
    ];
    const setDepth = (l, d) =>
      l.forEach((x) => {
        x.depth = d;
        if (x.children) setDepth(x.children, d + 1);
      });
    setDepth(list, 0);
    let phiCount = 0;
    const mask = (l) =>
      l.map((x) => {
        if (x.phi) phiCount++;
        return {
          ...x,
          masked: x.phi && !revealed,
          value: x.phi && !revealed ? MASK : x.value,
          children: x.children && mask(x.children),
        };
      });
    const tags = mask(list);
    return { tags, revealed, phiCount };
  }
  const hasTags = () => scenario === 'mono1' || scenario === 'multiframe';

  // ---- preprocessing preview (made from the image itself) ---------------------------------------
  let previewOpen = false;
  let lastImage;
  let frameIndex = 0;
  function thumbOf(data, w, h, x0, y0, cw, ch, size, lo, hi, inv) {
    const k = size / Math.max(cw, ch);
    const tw = Math.max(1, Math.round(cw * k));
    const th = Math.max(1, Math.round(ch * k));
    const out = new Uint8Array(tw * th);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const raw = data[Math.min(h - 1, y0 + Math.floor(y / k)) * w + Math.min(w - 1, x0 + Math.floor(x / k))];
        const v = scenario === 'mono1' ? 65535 - raw : raw;
        let g = Math.round(((v - lo) / (hi - lo)) * 255);
        g = g < 0 ? 0 : g > 255 ? 255 : g;
        out[y * tw + x] = inv ? 255 - g : g;
      }
    }
    return { width: tw, height: th, data: out };
  }
  function preview(modelId) {
    const img = lastImage;
    const size = 256;
    const full = thumbOf(img.data, W, H, 0, 0, W, H, size, 0, 65535, false);
    const win = thumbOf(img.data, W, H, 0, 0, W, H, size, 3000, 40000, false);
    const crop = [300, 380, 1500, 2120];
    const cropped = thumbOf(img.data, W, H, crop[0], crop[1], crop[2], crop[3], size, 3000, 40000, false);
    const mask = {
      width: cropped.width,
      height: cropped.height,
      data: cropped.data.map((g) => (g > 70 && g < 250 ? 1 : 0)),
    };
    const pad = new Uint8Array(size * size);
    const off = Math.floor((size - cropped.width) / 2);
    const padMask = new Uint8Array(size * size);
    for (let y = 0; y < cropped.height; y++)
      for (let x = 0; x < cropped.width; x++) {
        pad[y * size + x + off] = cropped.data[y * cropped.width + x];
        padMask[y * size + x + off] = mask.data[y * cropped.width + x];
      }
    const steps = [
      {
        op: 'intensity',
        label: 'Window to 0–1',
        width: W,
        height: H,
        thumb: win,
        toImage: [1, 0, 0, 0, 1, 0],
        ms: 21.4,
      },
      {
        op: 'photometric',
        label: 'Dark background',
        width: W,
        height: H,
        thumb: win,
        toImage: [1, 0, 0, 0, 1, 0],
        ms: 3.1,
        notice: scenario === 'mono1' ? 'MONOCHROME1 inverted' : undefined,
      },
      {
        op: 'cropExposed',
        label: 'Crop to exposed region',
        width: crop[2],
        height: crop[3],
        thumb: cropped,
        toImage: [1, 0, crop[0], 0, 1, crop[1]],
        ms: 9.8,
      },
      {
        op: 'maskText',
        label: 'Mask burned-in text',
        width: crop[2],
        height: crop[3],
        thumb: cropped,
        toImage: [1, 0, crop[0], 0, 1, crop[1]],
        ms: 14.2,
        notice: '1 marker masked ("L")',
      },
      {
        op: 'foreground',
        label: 'Foreground mask',
        width: crop[2],
        height: crop[3],
        thumb: cropped,
        mask,
        toImage: [1, 0, crop[0], 0, 1, crop[1]],
        ms: 18.9,
      },
      {
        op: 'resizePad',
        label: 'Resize and pad to 256',
        width: 256,
        height: 256,
        thumb: { width: size, height: size, data: pad },
        mask: { width: size, height: size, data: padMask },
        toImage: [8.28, 0, crop[0] - off * 8.28, 0, 8.28, crop[1]],
        ms: 6.3,
      },
    ];
    void full;
    return { modelId, frame: scenario === 'multiframe' ? frameIndex : undefined, steps, regions: 1 };
  }
  function sendPreview(modelId) {
    if (!previewOpen || !lastImage || scenario === 'imageError') return;
    later(120, () => notify('preview', preview(modelId)));
  }
  let currentModel = models[0].id;

  function analysis(modelId, withMap) {
    const other = modelId !== models[0].id;
    return {
      modelId,
      modelVersion: models.find((m) => m.id === modelId)?.version ?? '1.0.0',
      provider: 'cpu',
      score: other
        ? { raw: 0.0318, normalized: 0.38, threshold: 0.0452, aboveThreshold: false }
        : { raw: 0.0734, normalized: 0.71, threshold: 0.0521, aboveThreshold: true },
      map: withMap ? makeMap() : undefined,
      timings: { preprocessMs: 38.2, inferenceMs: 142.7, postprocessMs: 11.4 },
    };
  }

  // ---- channel -------------------------------------------------------------------------------
  function toViewer(msg) {
    window.postMessage(msg, '*');
  }
  const notify = (type, params) => toViewer({ kind: 'notify', type, params });
  const later = (ms, f) => setTimeout(f, ms);

  function analyse(modelId) {
    currentModel = modelId;
    notify('analysisStarted', { modelId });
    sendPreview(modelId);
    if (scenario === 'running') return;
    later(250, () => {
      if (scenario === 'analysisError') {
        notify('error', {
          scope: 'analysis',
          error: {
            code: 'ENGINE_CRASHED',
            message: 'The inference engine exited unexpectedly (signal SIGSEGV) while running "PatchCore MobileNetV2".',
            detail: 'engine pid 4242 exited with signal SIGSEGV',
          },
        });
      } else {
        notify('analysis', { result: analysis(modelId, scenario !== 'noMap') });
      }
    });
  }

  /**
   * Image message posted -> its first frame rasterised: poll between tasks until the viewer reports a
   * render, then read one pixel back, which forces the canvas to execute its recorded drawing.
   */
  function measureFirstPixels() {
    const poll = () => {
      const v = window.xrayViewer;
      if (!v || v.report().renders === 0) {
        setTimeout(poll, 0);
        return;
      }
      const c = document.querySelector('canvas.view');
      c.getContext('2d').getImageData(0, 0, 1, 1);
      timings.imageToPixelsMs = performance.now() - timings.imageSentAt;
    };
    setTimeout(poll, 0);
  }

  // ---- progressive: reduced copy first, full resolution later ---------------------------------
  const SEQ = 7;
  const FACTOR = 3;
  /** The host's reduced copy: block means of the stored values, same sample type. */
  function reduced(image) {
    const w = Math.ceil(W / FACTOR);
    const h = Math.ceil(H / FACTOR);
    const out = new Uint16Array(w * h);
    for (let by = 0; by < h; by++) {
      for (let bx = 0; bx < w; bx++) {
        let sum = 0;
        let n = 0;
        for (let y = by * FACTOR; y < Math.min(H, (by + 1) * FACTOR); y++) {
          for (let x = bx * FACTOR; x < Math.min(W, (bx + 1) * FACTOR); x++) {
            sum += image.data[y * W + x];
            n++;
          }
        }
        out[by * w + bx] = Math.round(sum / n);
      }
    }
    return { ...image, width: w, height: h, data: out };
  }
  let progressiveImage;
  function progressiveFull() {
    if (!progressiveImage) {
      progressiveImage = imageFor('full');
      // One pixel brighter than anything else: the full image's max, averaged away in the copy.
      progressiveImage.data[1000 * W + 1000] = 65000;
      progressiveImage.range = { min: progressiveImage.range.min, max: 65000 };
    }
    return progressiveImage;
  }
  function resendEarly(p) {
    const image = progressiveFull();
    lastImage = image;
    if (p.image)
      notify('image', {
        image: reduced(image),
        decodeMs: 84.5,
        seq: SEQ,
        reducedFrom: { width: W, height: H, factor: FACTOR },
      });
    if (p.image || p.analysis) notify('analysis', { result: analysis(currentModel, true) });
  }

  function onReady() {
    const early = scenario === 'progressive' ? { imageSeq: SEQ, fullResolution: true, analysis: true } : undefined;
    notify('init', {
      fileName: scenario === 'mono1' ? 'hand-cr-0042.dcm' : 'hand-phantom-16bit.png',
      settings: { heatmapOpacity: 0.45, colormap: 'inferno', threshold: 0.5 },
      early,
    });
    if (scenario === 'progressive') {
      // What a lost head start leaves: models and init, no image, no analysis.
      notify('models', { models, selectedId: models[0].id, provider: 'cpu' });
      return;
    }
    if (scenario === 'imageError') {
      later(20, () =>
        notify('error', {
          scope: 'image',
          error: {
            code: 'TRUNCATED',
            message: 'The file ends after 1,048,576 of the 10,240,000 bytes its header announces for the pixel data.',
            detail: 'PixelData (7FE0,0010) length 10240000 at offset 1324; file size 1049900',
          },
        }),
      );
      return;
    }
    notify('models', { models, selectedId: models[0].id, provider: 'cpu' });
    if (hasTags()) notify('tags', tagList());
    later(20, () => {
      const image = imageFor(scenario);
      lastImage = image;
      timings.imageSentAt = performance.now();
      notify('image', { image, decodeMs: 84.5 });
      measureFirstPixels();
      // The host starts the analysis once the image is decoded.
      analyse(models[0].id);
    });
  }

  const api = {
    postMessage(msg) {
      sent.push(msg);
      if (msg && msg.kind === 'response') {
        const p = pending.get(msg.id);
        if (p) {
          pending.delete(msg.id);
          if (msg.ok) p.resolve(msg.result);
          else p.reject(new Error(msg.error.message));
        }
        return;
      }
      if (!msg || msg.kind !== 'notify') return;
      if (msg.type === 'ready') onReady();
      if (msg.type === 'resendEarly' && scenario === 'progressive') resendEarly(msg.params);
      if (msg.type === 'selectModel') analyse(msg.params.modelId);
      if (msg.type === 'reanalyze') analyse(models[0].id);
      if (msg.type === 'previewWanted') {
        previewOpen = msg.params.open;
        if (previewOpen) sendPreview(currentModel);
      }
      if (msg.type === 'revealPatientData') {
        revealed = Boolean(msg.params.reveal);
        if (hasTags()) notify('tags', tagList());
      }
      if (msg.type === 'selectFrame' && scenario === 'multiframe') {
        frameIndex = msg.params.frame;
        notify('frameLoading', { frame: frameIndex, count: 3 });
        later(150, () => {
          const image = imageFor(scenario);
          // A different frame: shift the anatomy a little so the change is visible.
          const d = image.data;
          for (let i = d.length - 1; i >= frameIndex * 40; i--) d[i] = d[i - frameIndex * 40];
          lastImage = image;
          notify('image', { image, decodeMs: 60 });
          analyse(currentModel);
        });
      }
    },
    getState() {
      const s = sessionStorage.getItem(STATE_KEY);
      return s ? JSON.parse(s) : undefined;
    },
    setState(s) {
      sessionStorage.setItem(STATE_KEY, JSON.stringify(s));
    },
  };
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    return api;
  };

  window.harness = {
    scenario,
    sent,
    timings,
    request(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        toViewer({ kind: 'request', id, method, params });
      });
    },
    clearState() {
      sessionStorage.removeItem(STATE_KEY);
    },
    /** progressive: the full-resolution pixels of the picture shown as a reduced copy. */
    sendFull() {
      notify('image', { image: progressiveFull(), decodeMs: 84.5, seq: SEQ });
    },
    /** progressive: another picture of the same size (a new seq), as after the file changed on disk. */
    /** Another picture; its analysis follows unless `{ analyse: false }` (a test looking at the state in between). */
    sendNewImage({ analyse: andAnalyse = true } = {}) {
      const image = imageFor('full');
      lastImage = image;
      notify('image', { image, decodeMs: 70, seq: SEQ + 1 });
      if (andAnalyse) analyse(currentModel);
    },
  };
})();
