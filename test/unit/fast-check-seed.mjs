// Loaded with --import into every unit test process by scripts/test-unit.mjs: every fast-check property
// of the run uses the seed the run printed, so `npm run test:unit -- --seed N` replays a failure.
// fast-check ships an ES module and a CommonJS build, each with its own global configuration; test files
// compiled by tsx load the CommonJS one, an .mjs helper the ES one: configure both.
import { createRequire } from 'node:module';
import fcEsm from 'fast-check';

const seed = Number(process.env.XRAY_FC_SEED);
if (process.env.XRAY_FC_SEED !== undefined) {
  if (!Number.isSafeInteger(seed)) throw new Error(`XRAY_FC_SEED is not an integer: ${process.env.XRAY_FC_SEED}`);
  const fcCjs = createRequire(import.meta.url)('fast-check');
  for (const fc of new Set([fcEsm, fcCjs])) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
