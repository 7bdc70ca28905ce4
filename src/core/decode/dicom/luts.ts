/**
 * Lookup tables from the Modality LUT Sequence (0028,3000) and VOI LUT Sequence (0028,3010), PS3.3
 * C.11.1 and C.11.2. A LUT Descriptor holds [entries (0 means 65536), first stored value mapped, bits
 * per entry]; values below the first map to the first entry, values past the last to the last.
 * The Modality LUT is applied here, replacing the stored values (it supersedes Rescale Slope/Intercept);
 * VOI LUTs are window presets that carry their table, for the viewer to apply.
 */
import type { DataSet, Element } from 'dicom-parser';
import type { PixelData, WindowPreset } from '../../image/types';

export interface Lut {
  first: number;
  bits: number;
  data: Uint16Array;
  explanation?: string;
}

const DESCRIPTOR = 'x00283002';
const EXPLANATION = 'x00283003';
const LUT_TYPE = 'x00283004';
const LUT_DATA = 'x00283006';
const MODALITY_LUT_SEQUENCE = 'x00283000';
const VOI_LUT_SEQUENCE = 'x00283010';
const PIXEL_REPRESENTATION = 'x00280103';

/** Most VOI LUT presets kept (files with more are not radiographs). */
const MAX_VOI_LUTS = 8;

function items(ds: DataSet, tag: string): DataSet[] {
  return (ds.elements[tag]?.items ?? []).flatMap((i) => (i.dataSet ? [i.dataSet] : []));
}

function inFile(ds: DataSet, el: Element | undefined): el is Element {
  return el !== undefined && el.length > 0 && el.dataOffset + el.length <= ds.byteArray.length;
}

/** One LUT, or a reason it cannot be used. `signedInput` says how to read the first-mapped value when the VR does not. */
export function readLut(item: DataSet, signedInput: boolean): Lut | string {
  const d = item.elements[DESCRIPTOR];
  const dataEl = item.elements[LUT_DATA];
  if (!inFile(item, d) || d.length < 6) return 'its LUT Descriptor is missing or short';
  if (!inFile(item, dataEl)) return 'its LUT Data is missing';
  const entries = item.uint16(DESCRIPTOR, 0) || 65536;
  const rawFirst = item.uint16(DESCRIPTOR, 1) ?? 0;
  // The descriptor is "US or SS" and writers often say US even for signed images; the pixels decide.
  const signed = d.vr === 'SS' || signedInput;
  const first = signed ? (rawFirst << 16) >> 16 : rawFirst;
  const bits = item.uint16(DESCRIPTOR, 2) ?? 16;
  if (bits < 1 || bits > 16) return `its LUT Descriptor gives ${bits} bits per entry`;
  const data = new Uint16Array(entries);
  const mask = (1 << bits) - 1;
  if (dataEl.length >= entries * 2) {
    for (let i = 0; i < entries; i++) data[i] = item.uint16(LUT_DATA, i)! & mask;
  } else if (bits <= 8 && dataEl.length >= entries) {
    // Some writers pack 8-bit entries one per byte.
    const b = item.byteArray;
    for (let i = 0; i < entries; i++) data[i] = b[dataEl.dataOffset + i];
  } else {
    return `its LUT Data holds ${dataEl.length} bytes for ${entries} entries`;
  }
  const explanation = item.elements[EXPLANATION] ? item.string(EXPLANATION)?.trim() : undefined;
  return { first, bits, data, ...(explanation ? { explanation } : {}) };
}

function signedPixels(ds: DataSet): boolean {
  return ds.elements[PIXEL_REPRESENTATION] !== undefined && ds.uint16(PIXEL_REPRESENTATION) === 1;
}

export interface ModalityLut extends Lut {
  /** Modality LUT Type, e.g. "OD" or "HU"; undefined for "US" (unspecified). */
  unit?: string;
}

/** The Modality LUT, undefined when the file has none, or a reason it is not used. */
export function readModalityLut(ds: DataSet): ModalityLut | string | undefined {
  const first = items(ds, MODALITY_LUT_SEQUENCE)[0];
  if (!first) return ds.elements[MODALITY_LUT_SEQUENCE] ? 'the sequence is empty' : undefined;
  const lut = readLut(first, signedPixels(ds));
  if (typeof lut === 'string') return lut;
  const type = first.elements[LUT_TYPE] ? first.string(LUT_TYPE)?.trim() : undefined;
  return { ...lut, ...(type && type.toUpperCase() !== 'US' ? { unit: type } : {}) };
}

/** Stored values through the LUT: a fresh array of LUT outputs, 8- or 16-bit by the LUT's width. */
export function applyLut(stored: PixelData, lut: Lut): Uint8Array | Uint16Array {
  const n = stored.length;
  const out = lut.bits <= 8 ? new Uint8Array(n) : new Uint16Array(n);
  const table = lut.data;
  const last = table.length - 1;
  const first = lut.first;
  for (let i = 0; i < n; i++) {
    const k = stored[i] - first;
    out[i] = table[k < 0 ? 0 : k > last ? last : k];
  }
  return out;
}

/**
 * VOI LUTs as window presets: center and width span the table's input range (so a viewer that cannot
 * apply tables still shows something sensible) and `lut` carries the table, JSON-safe.
 */
export function readVoiLutPresets(ds: DataSet): { presets: WindowPreset[]; notices: string[] } {
  const presets: WindowPreset[] = [];
  const notices: string[] = [];
  const all = items(ds, VOI_LUT_SEQUENCE);
  all.slice(0, MAX_VOI_LUTS).forEach((item, i) => {
    // The VOI LUT's input is the modality value, signed whenever the stored values may be.
    const lut = readLut(item, signedPixels(ds));
    if (typeof lut === 'string') {
      notices.push(`VOI LUT ${i + 1} is not usable: ${lut}.`);
      return;
    }
    presets.push({
      center: lut.first + lut.data.length / 2,
      width: lut.data.length,
      label: lut.explanation || `VOI LUT ${i + 1}`,
      lut: { first: lut.first, bits: lut.bits, data: Array.from(lut.data) },
    });
  });
  if (all.length > MAX_VOI_LUTS)
    notices.push(`Only the first ${MAX_VOI_LUTS} of ${all.length} VOI LUTs are offered as presets.`);
  return { presets, notices };
}
