// The default detector's held-out TRAIN split (scripts/models/protocol.ts: per class, whole patients held
// out, seeded), printed as JSON for training/ so the paper's models are validated on the same images, plus
// a patient-grouped calibration hold-out of the fitting normals (as scripts/models/fit-eval.ts makes it).
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { scanImages } from '../../src/core/dataset/scan';
import { groupedHoldout, subjectKey } from '../../src/core/fit/split';
import { nodeScanFs } from '../../src/cli/scoring';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      seed: { type: 'string', default: '2' },
      per: { type: 'string', default: '300' },
      calibration: { type: 'string', default: '0.15' },
    },
  });
  const data = values.data ?? '../shared/data/chest-xray-pneumonia/train';
  const seed = Number(values.seed);
  const normals = await scanImages(join(data, 'NORMAL'), nodeScanFs);
  const abnormal = await scanImages(join(data, 'PNEUMONIA'), nodeScanFs);
  const per = Math.min(Number(values.per), Math.floor(normals.length * 0.25), abnormal.length);
  const n = groupedHoldout(normals, subjectKey, per, seed);
  const a = groupedHoldout(abnormal, subjectKey, per, seed + 1000);
  const c = groupedHoldout(n.rest, subjectKey, Math.max(2, Math.round(n.rest.length * Number(values.calibration))), seed + 500);
  const prefix = (dir: string, files: string[]) => files.map((f) => `${dir}/${f}`);
  process.stdout.write(
    JSON.stringify({
      seed,
      fit: prefix('NORMAL', c.rest),
      calibration: prefix('NORMAL', c.held),
      valNormal: prefix('NORMAL', n.held),
      valAbnormal: prefix('PNEUMONIA', a.held),
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
});
