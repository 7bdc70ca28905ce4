/**
 * Encapsulated (compressed) Pixel Data, PS3.5 A.4: an offset-table item, then fragments. One frame
 * may span several fragments and the offset table may be empty, so finding frame N uses, in order: the
 * Extended Offset Table, the Basic Offset Table, one fragment per frame, or (for JPEG-family streams)
 * the start-of-image markers that begin each frame. Every offset and length is checked against the
 * file before a byte is read.
 */
import type { DataSet, Element } from 'dicom-parser';
import { XrayError } from '../../errors';
import { DecodeBudget } from '../budget';
import type { FrameRequest } from './codecs';

export type StreamKind = 'jpeg' | 'jpeg-ls' | 'jpeg2000' | 'rle';

interface Fragment {
  /** Offset of the fragment's item tag, relative to the first fragment's item tag (as offset tables count). */
  offset: number;
  /** Absolute offset of the fragment's data. */
  position: number;
  length: number;
}

const EXTENDED_OFFSET_TABLE = 'x7fe00001';
const EXTENDED_OFFSET_TABLE_LENGTHS = 'x7fe00002';

/** The bytes of one frame, contiguous (copied only when the frame spans several fragments). */
export function encapsulatedFrame(req: FrameRequest, kind: StreamKind): Uint8Array {
  const { dataSet, pixelData, layout, frameIndex, name } = req;
  const budget = req.budget ?? DecodeBudget.unlimited(name);
  if (!pixelData.encapsulatedPixelData) {
    throw new XrayError(
      'CORRUPT',
      `${name} declares compressed pixel data but stores it uncompressed (no fragments).`,
      `pixel data length ${pixelData.length}`,
    );
  }
  // dicom-parser leaves the length undefined when the pixel data's sequence delimiter never came.
  if (pixelData.length === 0xffffffff) {
    throw new XrayError(
      'TRUNCATED',
      `${name} is truncated: the file ends inside its compressed pixel data.`,
      'no sequence delimiter after the fragments',
    );
  }
  const fragments = checkedFragments(dataSet, pixelData, name);
  if (fragments.length === 0)
    throw new XrayError('TRUNCATED', `${name} has no compressed image data: its Pixel Data holds no fragments.`);
  const frames = layout.frames;

  const eot = extendedOffsetTable(dataSet, frames);
  if (eot) {
    const at = eot.offsets[frameIndex];
    const f = fragments.find((x) => x.offset === at);
    if (f && eot.lengths[frameIndex] <= f.length) return slice(dataSet, f.position, eot.lengths[frameIndex]);
    // A table that does not match the fragments is ignored rather than trusted.
  }
  if (frames === 1) return join(dataSet, fragments, budget);

  const groups =
    framesFromOffsetTable(pixelData.basicOffsetTable ?? [], fragments, frames) ??
    (fragments.length === frames ? fragments.map((f) => [f]) : undefined) ??
    (kind !== 'rle' ? framesFromMarkers(dataSet, fragments, frames, kind) : undefined);
  if (!groups) {
    throw new XrayError(
      'CORRUPT',
      `${name} has ${frames} frames in ${fragments.length} fragments and no usable offset table, so frame ${frameIndex + 1} cannot be found.`,
      `basic offset table entries ${(pixelData.basicOffsetTable ?? []).length}`,
    );
  }
  return join(dataSet, groups[frameIndex], budget);
}

function checkedFragments(dataSet: DataSet, el: Element, name: string): Fragment[] {
  const size = dataSet.byteArray.length;
  const out: Fragment[] = [];
  for (const f of el.fragments ?? []) {
    if (!Number.isFinite(f.length) || f.position + f.length > size) {
      throw new XrayError(
        'TRUNCATED',
        `${name} is truncated: a compressed image fragment runs past the end of the file.`,
        `fragment at ${f.position} length ${f.length} file ${size}`,
      );
    }
    out.push({ offset: f.offset, position: f.position, length: f.length });
  }
  return out;
}

function extendedOffsetTable(dataSet: DataSet, frames: number): { offsets: number[]; lengths: number[] } | undefined {
  const o = dataSet.elements[EXTENDED_OFFSET_TABLE];
  const l = dataSet.elements[EXTENDED_OFFSET_TABLE_LENGTHS];
  if (!o || !l || o.length !== frames * 8 || l.length !== frames * 8) return undefined;
  const b = dataSet.byteArray;
  if (o.dataOffset + o.length > b.length || l.dataOffset + l.length > b.length) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const read = (el: Element) =>
    Array.from({ length: frames }, (_, i) => Number(view.getBigUint64(el.dataOffset + 8 * i, true)));
  return { offsets: read(o), lengths: read(l) };
}

/** Fragments grouped by the Basic Offset Table; undefined when the table is empty or inconsistent. */
function framesFromOffsetTable(table: number[], fragments: Fragment[], frames: number): Fragment[][] | undefined {
  if (table.length !== frames) return undefined;
  for (let i = 1; i < frames; i++) if (!(table[i] > table[i - 1])) return undefined;
  const groups: Fragment[][] = [];
  for (let i = 0; i < frames; i++) {
    const lo = table[i];
    const hi = i + 1 < frames ? table[i + 1] : Infinity;
    const group = fragments.filter((f) => f.offset >= lo && f.offset < hi);
    if (group.length === 0 || group[0].offset !== lo) return undefined;
    groups.push(group);
  }
  return groups;
}

/** JPEG, JPEG-LS and JPEG 2000 frames each begin with a start marker; fragments that do not start a frame continue one. */
function framesFromMarkers(
  dataSet: DataSet,
  fragments: Fragment[],
  frames: number,
  kind: StreamKind,
): Fragment[][] | undefined {
  const b = dataSet.byteArray;
  const starts = (f: Fragment) => {
    if (f.length < 4) return false;
    const p = f.position;
    if (kind === 'jpeg2000')
      return (
        (b[p] === 0xff && b[p + 1] === 0x4f) || (b[p] === 0 && b[p + 1] === 0 && b[p + 2] === 0 && b[p + 3] === 0x0c)
      );
    return b[p] === 0xff && b[p + 1] === 0xd8;
  };
  const groups: Fragment[][] = [];
  for (const f of fragments) {
    if (starts(f) || groups.length === 0) groups.push([f]);
    else groups[groups.length - 1].push(f);
  }
  return groups.length === frames ? groups : undefined;
}

function slice(dataSet: DataSet, position: number, length: number): Uint8Array {
  return dataSet.byteArray.subarray(position, position + length);
}

function join(dataSet: DataSet, group: Fragment[], budget: DecodeBudget): Uint8Array {
  if (group.length === 1) return slice(dataSet, group[0].position, group[0].length);
  const total = group.reduce((s, f) => s + f.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of group) {
    budget.check('joining compressed fragments');
    out.set(slice(dataSet, f.position, f.length), at);
    at += f.length;
  }
  return out;
}
