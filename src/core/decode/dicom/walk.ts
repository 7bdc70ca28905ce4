/**
 * A flat, iterative walk over the elements of a DICOM data set: tags, VRs, lengths and nesting, never
 * values. It runs before dicom-parser (which recurses and builds an object per element) to enforce the
 * structure caps (nesting depth, element count) in linear time and constant stack, and it is what the
 * tags panel and the deflate size check read the structure with. Its rules for where an element ends
 * follow dicom-parser's (implicit-VR sequence detection, undefined-length UN read as implicit VR,
 * undefined-length values ending at an item delimiter), so the counts it enforces are the ones the
 * parser would build; the one difference is that OV, SV and UV get the 32-bit length PS3.5 gives them.
 */
import { XrayError } from '../../errors';
import type { DecodeBudget } from '../budget';

/** VRs whose explicit-VR header has two reserved bytes and a 32-bit length (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

export const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;

export interface WalkLimits {
  /** Most sequences nested inside one another. */
  maxDepth: number;
  /** Most elements, items and fragments in the whole data set. */
  maxElements: number;
}

export interface WalkedElement {
  /** (group << 16 | element) as an unsigned number. */
  tag: number;
  /** Explicit VR as written, or undefined in implicit VR data sets. */
  vr: string | undefined;
  headerOffset: number;
  valueOffset: number;
  /** Value length in bytes; for undefined-length values, the length found by walking to their end. */
  length: number;
  undefinedLength: boolean;
  /** Sequences the element sits in (0: top level). */
  depth: number;
  /** Encapsulated Pixel Data: how many fragments (after the offset table) and their total size. */
  fragments?: { count: number; bytes: number; offsetTableBytes: number };
}

export interface WalkVisitor {
  element?(e: WalkedElement): void;
  sequenceStart?(e: WalkedElement): void;
  sequenceEnd?(): void;
  itemStart?(index: number, depth: number): void;
  itemEnd?(): void;
  /** Return true to stop the walk before this element's value is skipped (used to find Pixel Data). */
  stopAt?(tag: number, depth: number): boolean;
}

export interface WalkResult {
  elements: number;
  maxDepth: number;
  /** Offset where the walk ended. */
  end: number;
  /** The data ended inside an element header or value (offset and tag of the element cut). */
  truncated?: { at: number; tag?: number };
  /** The walk met bytes that cannot be DICOM structure (e.g. a sequence holding something other than items). */
  malformed?: { at: number; what: string };
  /** The visitor's stopAt ended the walk at this element header. */
  stoppedAt?: number;
}

interface Frame {
  kind: 'root' | 'sequence' | 'item';
  /** Offset the frame ends at; Infinity for undefined length (ends at a delimiter). */
  end: number;
  explicit: boolean;
  items: number;
}

export interface WalkOptions {
  explicitVr: boolean;
  littleEndian: boolean;
  limits: WalkLimits;
  budget?: DecodeBudget;
  /** File name for messages. */
  name: string;
}

export function walkDataSet(
  bytes: Uint8Array,
  start: number,
  opts: WalkOptions,
  visitor: WalkVisitor = {},
): WalkResult {
  const le = opts.littleEndian;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);
  const tagAt = (at: number) => ((u16(at) << 16) | u16(at + 2)) >>> 0;
  const stack: Frame[] = [{ kind: 'root', end: Infinity, explicit: opts.explicitVr, items: 0 }];
  let depth = 0;
  let pos = start;
  let elements = 0;
  let maxDepth = 0;
  const count = () => {
    if (++elements > opts.limits.maxElements) {
      throw new XrayError(
        'TOO_LARGE',
        `${opts.name} has more than ${opts.limits.maxElements.toLocaleString('en-US')} DICOM elements, more than this viewer reads.`,
        `element count cap ${opts.limits.maxElements} reached at offset ${pos}`,
      );
    }
  };
  const enterSequence = () => {
    depth++;
    if (depth > opts.limits.maxDepth) {
      throw new XrayError(
        'CORRUPT',
        `${opts.name} is not a readable DICOM file: its sequences are nested more than ${opts.limits.maxDepth} deep.`,
        `sequence depth cap ${opts.limits.maxDepth} reached at offset ${pos}`,
      );
    }
    if (depth > maxDepth) maxDepth = depth;
  };
  const result = (extra: Partial<WalkResult> = {}): WalkResult => ({ elements, maxDepth, end: pos, ...extra });

  for (;;) {
    opts.budget?.tick('reading the DICOM structure');
    const top = stack[stack.length - 1];
    if (pos >= top.end || (top.kind === 'root' && pos >= n)) {
      if (top.kind === 'root') return result();
      closeFrame(stack.pop()!);
      continue;
    }
    if (pos + 8 > n) return result({ truncated: { at: pos } });
    const tag = tagAt(pos);

    if (top.kind === 'sequence') {
      const length = u32(pos + 4);
      if (tag === SEQUENCE_END) {
        pos += 8;
        closeFrame(stack.pop()!);
        continue;
      }
      if (tag !== ITEM)
        return result({
          malformed: { at: pos, what: `a sequence holds (${tagText(tag)}) where an item was expected` },
        });
      count();
      pos += 8;
      visitor.itemStart?.(top.items++, depth);
      stack.push({
        kind: 'item',
        end: length === UNDEFINED_LENGTH ? Infinity : pos + length,
        explicit: top.explicit,
        items: 0,
      });
      continue;
    }

    if (tag === ITEM_END || tag === SEQUENCE_END || tag === ITEM) {
      pos += 8;
      if (tag === ITEM_END && top.kind === 'item' && top.end === Infinity) closeFrame(stack.pop()!);
      continue;
    }

    // An ordinary element inside the root or an item.
    const explicit = top.explicit;
    let vr: string | undefined;
    let length: number;
    let valueOffset: number;
    if (explicit) {
      vr = String.fromCharCode(bytes[pos + 4], bytes[pos + 5]);
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > n) return result({ truncated: { at: pos, tag } });
        length = u32(pos + 8);
        valueOffset = pos + 12;
      } else {
        length = u16(pos + 6);
        valueOffset = pos + 8;
      }
    } else {
      length = u32(pos + 4);
      valueOffset = pos + 8;
    }
    if (visitor.stopAt?.(tag, depth)) return result({ stoppedAt: pos });
    count();
    const undefinedLength = length === UNDEFINED_LENGTH;
    const base = { tag, vr, headerOffset: pos, valueOffset, depth };

    const isSequence = explicit ? vr === 'SQ' : implicitSequence(tag, length, valueOffset);
    if (isSequence || (explicit && undefinedLength && vr === 'UN' && tag !== PIXEL_DATA)) {
      // An undefined-length UN is a sequence written in implicit VR (PS3.5 6.2.2), as dicom-parser reads it.
      visitor.sequenceStart?.({ ...base, length: undefinedLength ? 0 : length, undefinedLength });
      enterSequence();
      stack.push({
        kind: 'sequence',
        end: undefinedLength ? Infinity : valueOffset + length,
        explicit: isSequence ? explicit : false,
        items: 0,
      });
      pos = valueOffset;
      continue;
    }
    if (undefinedLength && tag === PIXEL_DATA) {
      const frag = walkFragments(valueOffset);
      if ('truncated' in frag) return result({ truncated: { at: frag.truncated, tag } });
      visitor.element?.({ ...base, length: frag.end - valueOffset, undefinedLength, fragments: frag.fragments });
      pos = frag.end;
      continue;
    }
    if (undefinedLength) {
      // Some other undefined-length value: it runs to the next item delimiter.
      const end = findItemEnd(valueOffset);
      if (end < 0) return result({ truncated: { at: pos, tag } });
      visitor.element?.({ ...base, length: end - valueOffset, undefinedLength });
      pos = end + 8;
      continue;
    }
    if (valueOffset + length > n) return result({ truncated: { at: pos, tag } });
    visitor.element?.({ ...base, length, undefinedLength });
    pos = valueOffset + length;
  }

  function closeFrame(f: Frame): void {
    if (f.kind === 'sequence') {
      depth--;
      visitor.sequenceEnd?.();
    } else if (f.kind === 'item') {
      visitor.itemEnd?.();
    }
  }

  /** dicom-parser's rule for implicit VR: a value starting with an item or sequence delimiter tag is a sequence. */
  function implicitSequence(tag: number, length: number, valueOffset: number): boolean {
    if (valueOffset + 4 > n) return false;
    const next = tagAt(valueOffset);
    if (next !== ITEM && next !== SEQUENCE_END) return false;
    const isPrivate = ((tag >>> 16) & 1) === 1;
    return !isPrivate || length === UNDEFINED_LENGTH;
  }

  function walkFragments(
    at: number,
  ): { end: number; fragments: NonNullable<WalkedElement['fragments']> } | { truncated: number } {
    let p = at;
    let count_ = 0;
    let bytes_ = 0;
    let offsetTableBytes = -1;
    while (p + 8 <= n) {
      opts.budget?.tick('reading encapsulated pixel data');
      const t = tagAt(p);
      const len = u32(p + 4);
      if (t === SEQUENCE_END)
        return {
          end: p + 8,
          fragments: { count: count_, bytes: bytes_, offsetTableBytes: Math.max(0, offsetTableBytes) },
        };
      if (t !== ITEM || p + 8 + len > n) return { truncated: p };
      count();
      if (offsetTableBytes < 0) offsetTableBytes = len;
      else {
        count_++;
        bytes_ += len;
      }
      p += 8 + len;
    }
    return { truncated: p };
  }

  function findItemEnd(from: number): number {
    const [a, b, c, d] = le ? [0xfe, 0xff, 0x0d, 0xe0] : [0xff, 0xfe, 0xe0, 0x0d];
    for (let i = from; i + 8 <= n; i++) {
      if ((i & 0xffff) === 0) opts.budget?.check('searching for an item delimiter');
      if (bytes[i] === a && bytes[i + 1] === b && bytes[i + 2] === c && bytes[i + 3] === d) return i;
    }
    return -1;
  }
}

/** 0x00100010 -> "0010,0010". */
export function tagText(tag: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)},${hex.slice(4)}`;
}
