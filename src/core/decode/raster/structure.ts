/**
 * Just enough of the PNG, JPEG and TIFF container structure to tell a truncated file from a corrupt
 * one (libvips reports both as "read error") and to read PNG's sBIT. Never reads pixels.
 */

export interface PngStructure {
  /** IEND was reached with every chunk inside the file. */
  complete: boolean;
  /** Significant bits per channel from sBIT, when present. */
  significantBits?: number[];
}

export function pngStructure(bytes: Uint8Array): PngStructure {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let significantBits: number[] | undefined;
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    const end = at + 12 + length;
    if (end > bytes.length) return { complete: false, significantBits };
    if (type === 'sBIT' && length >= 1 && length <= 4)
      significantBits = Array.from(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') return { complete: true, significantBits };
    at = end;
  }
  return { complete: false, significantBits };
}

/** A JPEG ends with EOI (FFD9); encoders may pad after it, so look near the end. */
export function jpegComplete(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 2; i >= Math.max(2, bytes.length - 4096); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

const TIFF_TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 6: 1, 7: 1, 8: 2, 9: 4, 11: 4, 12: 8, 16: 8 };

/**
 * Whether the first IFD and the strips or tiles it points at lie inside the file. Classic TIFF only;
 * BigTIFF is reported as complete (libvips' own message then stands).
 */
export function tiffComplete(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const le = bytes[0] === 0x49;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, le);
  const u32 = (o: number) => view.getUint32(o, le);
  if (u16(2) !== 42) return true;
  const ifd = u32(4);
  if (ifd + 2 > bytes.length) return false;
  const count = u16(ifd);
  if (ifd + 2 + count * 12 + 4 > bytes.length) return false;
  // null: a type this check does not read; 'outside': the values lie past the end of the file.
  const values = (entry: number): number[] | null | 'outside' => {
    const type = u16(entry + 2);
    const n = u32(entry + 4);
    const size = TIFF_TYPE_SIZE[type];
    if ((type !== 3 && type !== 4) || n > 1_000_000) return null;
    const at = n * size <= 4 ? entry + 8 : u32(entry + 8);
    if (at + n * size > bytes.length) return 'outside';
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(type === 3 ? u16(at + 2 * i) : u32(at + 4 * i));
    return out;
  };
  const tags = new Map<number, number>();
  for (let i = 0; i < count; i++) tags.set(u16(ifd + 2 + i * 12), ifd + 2 + i * 12);
  for (const [offTag, lenTag] of [
    [273, 279],
    [324, 325],
  ]) {
    const offEntry = tags.get(offTag);
    const lenEntry = tags.get(lenTag);
    if (offEntry === undefined || lenEntry === undefined) continue;
    const offs = values(offEntry);
    const lens = values(lenEntry);
    if (offs === 'outside' || lens === 'outside') return false;
    if (!offs || !lens) continue;
    for (let i = 0; i < Math.min(offs.length, lens.length); i++) if (offs[i] + lens[i] > bytes.length) return false;
  }
  return true;
}
