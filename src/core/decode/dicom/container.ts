/**
 * Finding and parsing the DICOM data set, whatever wraps it: a Part 10 file (128-byte preamble +
 * "DICM" + file meta header), the same without the preamble, or a bare data set with no meta header
 * at all (as some older archives store them). Parsing is done by dicom-parser; element values are read
 * later and only for the attributes the viewer needs.
 */
import * as dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { XrayError } from '../../errors';
import { libraryText } from '../failures';
import type { DecodeBudget } from '../budget';
import { inflateDataSet, type InflateContext } from './deflate';
import {
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
  transferSyntax,
  type TransferSyntax,
} from './transfer-syntax';
import { walkDataSet, type WalkLimits } from './walk';

export type DicomLayout =
  'part10' | 'dicm-without-preamble' | 'meta-without-preamble' | 'bare-explicit' | 'bare-implicit';

const VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

function validVrAt(bytes: Uint8Array, at: number): boolean {
  return bytes.length >= at + 2 && VRS.has(String.fromCharCode(bytes[at], bytes[at + 1]));
}

function asciiAt(bytes: Uint8Array, at: number, s: string): boolean {
  if (bytes.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (bytes[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** How the bytes hold a DICOM data set, or undefined when they do not look like DICOM at all. */
export function dicomLayout(bytes: Uint8Array): DicomLayout | undefined {
  if (asciiAt(bytes, 128, 'DICM')) return 'part10';
  if (asciiAt(bytes, 0, 'DICM') && bytes[4] === 0x02 && bytes[5] === 0x00 && validVrAt(bytes, 8))
    return 'dicm-without-preamble';
  // The file meta header is always explicit VR little endian, group 0002.
  if (bytes[0] === 0x02 && bytes[1] === 0x00 && validVrAt(bytes, 4)) return 'meta-without-preamble';
  // A bare data set starts with group 0008 (Identifying) in practice.
  if (bytes.length >= 8 && bytes[0] === 0x08 && bytes[1] === 0x00) {
    if (validVrAt(bytes, 4)) return 'bare-explicit';
    const length = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
    // First elements of group 0008 are short (group length, character set, image type, UIDs).
    if (length >= 0 && length <= 256 && length % 2 === 0 && 8 + length <= bytes.length) return 'bare-implicit';
  }
  return undefined;
}

export interface DicomContainer {
  layout: DicomLayout;
  transferSyntax: TransferSyntax;
  /** True when the transfer syntax was guessed because the file does not state it. */
  transferSyntaxGuessed: boolean;
  /** Bytes in Part 10 form when the file was not; element offsets refer to these. */
  bytes: Uint8Array;
  /** Offset of the first data set element after any meta header. */
  dataSetStart: number;
  /** Media Storage SOP Class UID from the file meta header, when there is one. */
  mediaStorageSopClass?: string;
  /** For deflated syntaxes: `bytes` already holds the inflated data set. */
  inflated?: boolean;
}

/** Reads the wrapper and the transfer syntax, without parsing the data set. */
export function openContainer(input: Uint8Array, name: string): DicomContainer {
  const layout = dicomLayout(input);
  if (!layout) throw new XrayError('UNSUPPORTED_FORMAT', `${name} is not a DICOM file.`);
  if (layout === 'bare-explicit' || layout === 'bare-implicit') {
    const uid = layout === 'bare-explicit' ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN;
    return { layout, transferSyntax: transferSyntax(uid), transferSyntaxGuessed: true, bytes: input, dataSetStart: 0 };
  }
  const bytes = layout === 'part10' ? input : withPreamble(input, layout === 'dicm-without-preamble' ? 128 : 132);
  const meta = run(name, () => dicomParser.readPart10Header(bytes)) as DataSet & { position: number };
  const dataSetStart = meta.position;
  if (dataSetStart >= bytes.length) {
    throw new XrayError(
      'TRUNCATED',
      `${name} is truncated: it ends after the file meta header, before any image data.`,
    );
  }
  const mediaStorageSopClass = meta.string('x00020002') || undefined;
  const stated = meta.string('x00020010');
  if (stated)
    return {
      layout,
      transferSyntax: transferSyntax(stated),
      transferSyntaxGuessed: false,
      bytes,
      dataSetStart,
      mediaStorageSopClass,
    };
  // No Transfer Syntax UID in the meta header: tell the two uncompressed ones apart by whether a VR follows the first tag.
  const uid = validVrAt(bytes, dataSetStart + 4) ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN;
  return {
    layout,
    transferSyntax: transferSyntax(uid),
    transferSyntaxGuessed: true,
    bytes,
    dataSetStart,
    mediaStorageSopClass,
  };
}

/**
 * For a deflated transfer syntax, the container with its data set inflated (under the caps in
 * deflate.ts); other containers unchanged.
 */
export async function inflateContainer(c: DicomContainer, ctx: InflateContext): Promise<DicomContainer> {
  if (!c.transferSyntax.deflated || c.inflated) return c;
  const inflated = await inflateDataSet(c.bytes.subarray(c.dataSetStart), ctx);
  const bytes = new Uint8Array(c.dataSetStart + inflated.length);
  bytes.set(c.bytes.subarray(0, c.dataSetStart));
  bytes.set(inflated, c.dataSetStart);
  return { ...c, bytes, inflated: true };
}

/** VRs with a 32-bit length (PS3.5 7.1.2) that dicom-parser reads with a 16-bit one. */
const NEWER_LONG_VRS = new Set(['OV', 'SV', 'UV']);

/**
 * Walks the data set's structure before it is parsed, so that the depth and element caps hold whatever
 * the parser would otherwise build; truncation and damage are left for the parser to report. Returns
 * the container to parse: when the data set holds OV/SV/UV elements (e.g. the Extended Offset Table),
 * a copy in which they are relabelled UN, which has the same header layout and which dicom-parser
 * reads correctly. Their values are read from the bytes, never through the VR.
 */
export function checkStructure(
  c: DicomContainer,
  name: string,
  limits: WalkLimits,
  budget: DecodeBudget,
): DicomContainer {
  const ts = c.transferSyntax;
  const relabel: number[] = [];
  walkDataSet(
    c.bytes,
    c.dataSetStart,
    { explicitVr: ts.explicitVr, littleEndian: ts.littleEndian, limits, budget, name },
    {
      element(e) {
        if (e.vr && NEWER_LONG_VRS.has(e.vr)) relabel.push(e.headerOffset + 4);
      },
    },
  );
  if (relabel.length === 0) return c;
  const copy = new Uint8Array(c.bytes.length);
  copy.set(c.bytes);
  for (const at of relabel) {
    copy[at] = 0x55; // 'U'
    copy[at + 1] = 0x4e; // 'N'
  }
  return { ...c, bytes: copy };
}

/** Parses the data set proper (the caller has checked its transfer syntax can be decoded). */
export function parseDataSet(c: DicomContainer, name: string): DataSet {
  const ts = c.transferSyntax;
  if (ts.deflated && !c.inflated)
    throw new XrayError('INTERNAL', `${name}: the deflated data set was not inflated before parsing.`);
  const parser = ts.littleEndian ? dicomParser.littleEndianByteArrayParser : dicomParser.bigEndianByteArrayParser;
  const DataSetCtor = (
    dicomParser as unknown as { DataSet: new (p: unknown, b: Uint8Array, e: Record<string, Element>) => DataSet }
  ).DataSet;
  const dataSet = new DataSetCtor(parser, c.bytes, {});
  dataSet.warnings = [];
  run(name, () => {
    const stream = new dicomParser.ByteStream(parser, c.bytes, c.dataSetStart);
    if (ts.explicitVr) dicomParser.parseDicomDataSetExplicit(dataSet, stream, c.bytes.length);
    else dicomParser.parseDicomDataSetImplicit(dataSet, stream, c.bytes.length);
  });
  // Implicit VR parsing stops quietly at the end of the buffer even if the last element was cut short.
  for (const el of Object.values(dataSet.elements)) {
    if (!el.hadUndefinedLength && el.dataOffset + el.length > c.bytes.length) {
      throw new XrayError(
        'TRUNCATED',
        `${name} is truncated: the file ends inside element (${tagText(el.tag)}).`,
        `element ${el.tag} offset ${el.dataOffset} length ${el.length} file ${c.bytes.length}`,
      );
    }
  }
  return dataSet;
}

/** "x7fe00010" -> "7FE0,0010". */
export function tagText(tag: string): string {
  return `${tag.slice(1, 5)},${tag.slice(5, 9)}`.toUpperCase();
}

function withPreamble(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = new Uint8Array(prefixLength + bytes.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM" (overwritten by the input's own when it has one)
  out.set(bytes, prefixLength);
  return out;
}

/** dicom-parser throws strings and plain objects; turn them into TRUNCATED or CORRUPT. */
function run<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof XrayError) throw err;
    const text = libraryText(err);
    if (/past end|overread|overrun|greater than or equal to|eof encountered/i.test(text)) {
      throw new XrayError('TRUNCATED', `${name} is truncated: the file ends in the middle of its DICOM data.`, text);
    }
    if (err instanceof RangeError) {
      throw new XrayError(
        'CORRUPT',
        `${name} is not a readable DICOM file (its structure is nested too deeply).`,
        text,
      );
    }
    throw new XrayError('CORRUPT', `${name} is not a readable DICOM file (its structure is damaged).`, text);
  }
}

const STORAGE = '1.2.840.10008.5.1.4.1.1.';
/** Storage SOP classes whose instances are images (PS3.4 B.5), as prefixes: "1" covers CR and DX/MG/IO (1.1.x). */
const IMAGE_CLASSES = ['1', '2', '3.1', '4', '6', '7', '12', '13.1', '20', '128', '481.1', '77.1'].map(
  (s) => STORAGE + s,
);

/** Whether a SOP Class UID names an image storage class, so that an instance without Pixel Data is damaged. */
export function isImageSopClass(uid: string | undefined): boolean {
  return uid !== undefined && IMAGE_CLASSES.some((p) => uid === p || uid.startsWith(p + '.'));
}
