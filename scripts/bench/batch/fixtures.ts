/**
 * Generated image sets for bench:batch, cached under .cache/bench-batch (git-ignored) so that reruns skip
 * generation: 1024x1024 16-bit PNGs (radiograph-like, distinct per file) and many tiny 8-bit PNGs.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodePng } from '../../../test/unit/engine/png';
import { CACHE, log } from './common';

/** `n` 1024x1024 16-bit PNGs (img00000.png ...); only the missing ones are made. */
export async function png16Set(n: number): Promise<string> {
  const dir = join(CACHE, 'png16-1024');
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  let made = 0;
  for (let i = 0; i < n; i++) {
    const name = `img${String(i).padStart(5, '0')}.png`;
    if (have.has(name)) continue;
    // A radiograph-like field: smooth anatomy, a collimated border, noise; distinct per file.
    const w = 1024;
    const px = new Uint16Array(w * w);
    let seed = i * 7919 + 1;
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const inside = x > 40 && x < w - 40 && y > 30 && y < w - 30;
        const body = 20000 + 15000 * Math.sin((x + i) / 97) * Math.cos((y - i) / 131);
        px[y * w + x] = inside ? body + (seed >>> 22) : 1000 + (seed >>> 26);
      }
    // Written under a temporary name: an interrupted generation leaves no half file under a real name.
    const tmp = join(dir, `${name}.tmp`);
    await sharp(Buffer.from(px.buffer), { raw: { width: w, height: w, channels: 1 } })
      .toColourspace('grey16')
      .png({ compressionLevel: 1 })
      .toFile(tmp);
    renameSync(tmp, join(dir, name));
    if (++made % 100 === 0) log(`  generated ${made} 16-bit PNGs (${i + 1}/${n}) in ${dir}`);
  }
  return dir;
}

/**
 * `n` tiny 24x20 8-bit PNGs in folders of 1,000, every one different (the store keys results by content
 * hash, so identical files would be scored once and tell nothing about memory per file).
 */
export function tinySet(n: number): string {
  const dir = join(CACHE, `tiny-${n}`);
  if (existsSync(join(dir, 'complete'))) return dir;
  const per = 1000;
  const px = new Uint8Array(24 * 20);
  for (let i = 0; i < n; i++) {
    const sub = join(dir, `d${String(Math.floor(i / per)).padStart(3, '0')}`);
    if (i % per === 0) mkdirSync(sub, { recursive: true });
    for (let k = 0; k < px.length; k++) px[k] = (k * 7 + i * 13 + (k >> 3) * i) & 0xff;
    px[0] = i & 0xff;
    px[1] = (i >> 8) & 0xff;
    px[2] = (i >> 16) & 0xff;
    writeFileSync(join(sub, `t${i}.png`), encodePng(24, 20, px, 8));
    if ((i + 1) % 20000 === 0) log(`  generated ${i + 1}/${n} tiny PNGs`);
  }
  writeFileSync(join(dir, 'complete'), '');
  return dir;
}
