/**
 * Content signatures. Decoders decide by what the bytes are, not what the file is called: X-ray
 * archives are full of extension-less DICOM files and PNGs exported with a `.dcm` name.
 */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

export function isPng(bytes: Uint8Array): boolean {
  return startsWith(bytes, PNG_SIGNATURE);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0xff, 0xd8, 0xff]);
}

/** Classic TIFF and BigTIFF, either byte order. */
export function isTiff(bytes: Uint8Array): boolean {
  return (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  );
}

export type RasterKind = 'png' | 'jpeg' | 'tiff';

export function rasterKind(bytes: Uint8Array): RasterKind | undefined {
  if (isPng(bytes)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  if (isTiff(bytes)) return 'tiff';
  return undefined;
}

/** Lower-case extension without the dot ('' when none). */
export function extensionOf(fileName: string): string {
  const base = baseName(fileName);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** The name to show a person: no directories (paths can reveal a patient's name). */
export function baseName(fileName: string): string {
  const parts = fileName.split(/[\\/]/);
  return parts[parts.length - 1] || fileName;
}

/**
 * A few words on what unrecognised bytes look like, so "not a PNG image" can add "(it is a PDF
 * document)". Only common confusions are named.
 */
export function describeContent(bytes: Uint8Array): string {
  const ascii = (s: string, at = 0) =>
    startsWith(
      bytes,
      Array.from(s, (c) => c.charCodeAt(0)),
      at,
    );
  if (ascii('%PDF')) return 'it is a PDF document';
  if (ascii('PK\u0003\u0004')) return 'it is a ZIP archive';
  if (ascii('GIF8')) return 'it is a GIF image, which is not supported';
  if (ascii('BM')) return 'it looks like a BMP image, which is not supported';
  if (ascii('RIFF') && ascii('WEBP', 8)) return 'it is a WebP image, which is not supported';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'it is gzip-compressed';
  if (
    startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) ||
    startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])
  ) {
    return 'it is a JPEG 2000 image, which is not supported outside DICOM';
  }
  const head = bytes.subarray(0, 512);
  let printable = 0;
  for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc2) printable++;
  if (head.length > 0 && printable / head.length > 0.95) return 'it looks like text';
  return 'its content matches no supported image format';
}
