// Scores one image with a model through the product's engine (dist/engine.js, the process the extension and
// the CLI use) and prints what the viewer would get: the score and whether there is a map, and its size.
// Used by training/tests/test_export.py: a discriminator score must arrive without a map (the viewer then
// says "This model gives an image score only, no map"), a reconstruction score with one.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EngineClient } from '../../src/engine/client';

async function main(): Promise<void> {
  const [manifestPath, imagePath] = process.argv.slice(2);
  const engine = new EngineClient({
    enginePath: join(resolve(__dirname, '../..'), 'dist/engine.js'),
    log: (level, message) => {
      if (level === 'error') process.stderr.write(`[engine] ${message}\n`);
    },
  });
  try {
    const bytes = new Uint8Array(readFileSync(imagePath));
    const d = await engine.decode({ bytes, fileName: imagePath, limits: { maxFileBytes: 1 << 26, maxPixels: 1 << 26 } });
    const m = await engine.loadModel({ manifestPath: resolve(manifestPath), provider: 'cpu' });
    const a = await engine.analyze({ imageId: d.imageId, modelKey: m.modelKey });
    process.stdout.write(
      JSON.stringify({
        score: a.score,
        map: a.map
          ? {
              width: a.map.width,
              height: a.map.height,
              max: Math.max(...a.map.data),
              rawMin: a.map.rawMin,
              rawMax: a.map.rawMax,
            }
          : null,
      }) + '\n',
    );
  } finally {
    engine.dispose();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
});
