/**
 * Issue 11's question: which settings hold on NEW patients? Every setting is fitted on TRAIN normals of a
 * patient-grouped split and judged twice: on the split's held-out TRAIN images and on test-dev (new patients;
 * never fitted on). Figures with patient-grouped bootstrap 95% intervals; specificity on test-dev at the
 * threshold the held-out TRAIN normals give (their 95th-percentile rank), i.e. whether a threshold keeps
 * its promise. `tsx scripts/models/experiments/generalise.ts <variant> [seed] [filter]`
 */
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { matrix, type Matrix } from '../../../src/core/fit/compute';
import { bootstrap, FIGURES, formatInterval } from '../../../src/core/metrics/bootstrap';
import { ortBackend } from '../ort-backend';
import { FeatureCache } from './features';
import { gSplit, type GItem } from './generalise-data';

export const be = ortBackend();

export interface Scored {
  name: string;
  val: Float32Array;
  dev: Float32Array;
  /** Held-out TRAIN normals' scores come first in val. */
}

/** Threshold at the conformal 95% rank of the held-out TRAIN normals. */
export function thresholdOf(normals: number[]): number {
  const s = [...normals].sort((a, b) => a - b);
  const k = Math.min(s.length, Math.ceil((s.length + 1) * 0.95));
  return s[k - 1];
}

export function report(name: string, val: ArrayLike<number>, valItems: GItem[], dev: ArrayLike<number>, devItems: GItem[]): string {
  const vl = valItems.map((i) => i.anomalous);
  const dl = devItems.map((i) => i.anomalous);
  const vg = valItems.map((i) => i.patient);
  const dg = devItems.map((i) => i.patient);
  const th = thresholdOf(Array.from(val).filter((_, i) => !vl[i]));
  const o = { reps: 400, seed: 1 };
  const f = (x: number) => x.toFixed(3);
  const vAuc = bootstrap(val, vl, FIGURES.rocAuc, { ...o, groups: vg });
  const dAuc = bootstrap(dev, dl, FIGURES.rocAuc, { ...o, groups: dg });
  const dAp = bootstrap(dev, dl, FIGURES.averagePrecision, { ...o, groups: dg });
  const vAp = FIGURES.averagePrecision(Float32Array.from(val), vl);
  const dSpec = FIGURES.specificityAt(th)(Float32Array.from(dev), dl);
  const dSens = FIGURES.sensitivityAt(th)(Float32Array.from(dev), dl);
  return `| ${name} | ${formatInterval(vAuc)} | ${f(vAp)} | **${formatInterval(dAuc)}** | ${formatInterval(dAp)} | ${f(dSpec)} / ${f(dSens)} |`;
}
export const HEADER =
  '| setting | held-out TRAIN ROC-AUC [95% CI] | AP | test-dev ROC-AUC [95% CI] | test-dev AP [95% CI] | test-dev spec / sens at TRAIN-calibrated threshold |\n|---|---|---|---|---|---|';

/** log(1+x) mean+std pooling of spatial maps over a region (rows/cols inclusive-exclusive), optionally raw. */
export function poolRegion(maps: { data: Float32Array; C: number; h: number; w: number }, n: number, opts: { log?: boolean; r0?: number; r1?: number; c0?: number; c1?: number; stats?: 'mean' | 'meanstd' } = {}): Matrix {
  const { C, h, w } = maps;
  const r0 = opts.r0 ?? 0, r1 = opts.r1 ?? h, c0 = opts.c0 ?? 0, c1 = opts.c1 ?? w;
  const both = (opts.stats ?? 'meanstd') === 'meanstd';
  const out = matrix(n, both ? 2 * C : C);
  const cnt = (r1 - r0) * (c1 - c0);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      let s = 0, s2 = 0;
      const base = (i * C + c) * h * w;
      for (let y = r0; y < r1; y++) for (let x = c0; x < c1; x++) {
        let v = maps.data[base + y * w + x];
        if (opts.log !== false) v = Math.log1p(v);
        s += v;
        s2 += v * v;
      }
      const m = s / cnt;
      out.data[i * out.cols + c] = m;
      if (both) out.data[i * out.cols + C + c] = Math.sqrt(Math.max(0, s2 / cnt - m * m));
    }
  }
  return out;
}

export async function gauss(fit: Matrix, ...rest: Matrix[]): Promise<Float32Array[]> {
  const g = await fitGaussian(be, fit, { shrinkage: 'ledoit-wolf' });
  return Promise.all(rest.map((m) => gaussianScores(be, g, m)));
}

async function main(): Promise<void> {
  const variant = process.argv[2] ?? 'g-base';
  const seed = Number(process.argv[3] ?? 2);
  const filter = process.argv[4];
  const cache = new FeatureCache(variant);
  const sp = gSplit(seed);
  const fitIds = sp.fit.map((i) => i.id);
  const valIds = sp.val.map((i) => i.id);
  const devIds = sp.dev.map((i) => i.id);
  console.log(`variant ${variant}, seed ${seed}: fit ${fitIds.length}, held-out TRAIN ${valIds.length}, test-dev ${devIds.length}`);
  console.log(HEADER);
  const run = async (name: string, get: (ids: string[]) => Matrix) => {
    if (filter && !name.includes(filter)) return;
    const [v, d] = await gauss(get(fitIds), get(valIds), get(devIds));
    console.log(report(`${variant} ${name}`, v, sp.val, d, sp.dev));
  };
  const taps = cache.index.taps;
  for (const t of taps) {
    await run(`${t} mean`, (ids) => cache.pooled(ids, [t], 'mean'));
    await run(`${t} mean+std`, (ids) => cache.pooled(ids, [t], 'meanstd'));
  }
  for (const t of cache.index.spatialTaps) {
    const maps = new Map<string, ReturnType<FeatureCache['spatial']>>();
    const get = (ids: string[]) => {
      const k = ids === fitIds ? 'fit' : ids === valIds ? 'val' : 'dev';
      if (!maps.has(k)) maps.set(k, cache.spatial(ids, t));
      return maps.get(k)!;
    };
    const h = cache.index.shapes[t][1];
    await run(`${t} log mean+std (default global)`, (ids) => poolRegion(get(ids), ids.length));
    await run(`${t} log mean`, (ids) => poolRegion(get(ids), ids.length, { stats: 'mean' }));
    await run(`${t} log mean+std centre ${h - 4}x${h - 4}`, (ids) => poolRegion(get(ids), ids.length, { r0: 2, r1: h - 2, c0: 2, c1: h - 2 }));
    await run(`${t} log mean+std rows 2..${h - 3} cols 1..${h - 2}`, (ids) => poolRegion(get(ids), ids.length, { r0: 2, r1: h - 2, c0: 1, c1: h - 1 }));
    await run(`${t} log mean+std centre ${h - 6}x${h - 6}`, (ids) => poolRegion(get(ids), ids.length, { r0: 3, r1: h - 3, c0: 3, c1: h - 3 }));
  }
  await be.release();
}

if (process.argv[1]?.endsWith('generalise.ts')) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
