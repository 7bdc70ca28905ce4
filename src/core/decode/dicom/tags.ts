/**
 * Every attribute of a DICOM file as display rows for the editor's tags panel: tag, keyword, VR, a
 * short display value, whether it can identify the patient (phi.ts), and the items of sequences as
 * children. Reading uses the same capped, iterative structure walk as decoding, so a hostile file
 * costs bounded time and memory here too. This module never logs: values are returned to the caller
 * and nowhere else.
 *
 * Rows whose `tag` is '' are notes, not attributes: the list was cut short (a truncated file, the row
 * cap, the time budget) and the note says why.
 */
import { XrayError } from '../../errors';
import { DecodeBudget } from '../budget';
import { DEFAULT_MAX_ELEMENTS } from '../registry';
import { openContainer } from './container';
import { inflatePrefixSync } from './deflate';
import { lookupTag } from './dictionary';
import { isPhi } from './phi';
import { tagText, walkDataSet, type WalkedElement, type WalkResult } from './walk';

export interface DicomTagEntry {
  /** 'GGGG,EEEE'; 'FFFE,E000' for sequence items; '' for a note row. */
  tag: string;
  keyword: string;
  vr: string;
  /** Display text, cut to about 256 characters; '(binary, N bytes)' for OB/OW and the like. */
  value: string;
  phi: boolean;
  /** Rows above this one in the tree (0 at the top level). */
  depth: number;
  children?: DicomTagEntry[];
}

export interface ReadTagsOptions {
  /** Most rows returned (items and notes included); default 20,000. */
  maxTags?: number;
  /** Deepest level listed; sequences below it show their item count only. Default 12. */
  maxDepth?: number;
  /** Wall-clock budget; default 5 s. */
  timeoutMs?: number;
}

const MAX_VALUE_CHARS = 256;
const MAX_LISTED_VALUES = 32;
/** Inflated bytes read from a deflated file for its tags: the header, and none of a bomb. */
const DEFLATED_TAGS_CAP = 64 * 1024 * 1024;
const FILE = 'The file';

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const ASCII_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'TM', 'UI', 'UR']);
const NUMBER_SIZES: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8, AT: 4 };

/** Specific Character Set terms -> WHATWG encoding labels (PS3.3 C.12.1.1.2); the rest read as Latin-1. */
const CHARSETS: Record<string, string> = {
  ISO_IR_100: 'latin1',
  ISO_IR_101: 'iso-8859-2',
  ISO_IR_109: 'iso-8859-3',
  ISO_IR_110: 'iso-8859-4',
  ISO_IR_144: 'iso-8859-5',
  ISO_IR_127: 'iso-8859-6',
  ISO_IR_126: 'iso-8859-7',
  ISO_IR_138: 'iso-8859-8',
  ISO_IR_148: 'iso-8859-9',
  ISO_IR_203: 'iso-8859-15',
  ISO_IR_166: 'windows-874',
  ISO_IR_13: 'shift_jis',
  ISO_IR_192: 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
  ISO_2022_IR_100: 'latin1',
  ISO_2022_IR_101: 'iso-8859-2',
  ISO_2022_IR_144: 'iso-8859-5',
  ISO_2022_IR_126: 'iso-8859-7',
  ISO_2022_IR_138: 'iso-8859-8',
  ISO_2022_IR_148: 'iso-8859-9',
  ISO_2022_IR_13: 'shift_jis',
  ISO_2022_IR_149: 'euc-kr',
  ISO_2022_IR_58: 'gb18030',
  ISO_2022_IR_87: 'iso-2022-jp',
};

/**
 * The file's attributes as a tree of display rows, file meta header first. Throws XrayError only when
 * the bytes are not DICOM at all (UNSUPPORTED_FORMAT) or a deflated data set cannot be inflated;
 * everything else (truncation, caps, damage) ends the list with a note row.
 */
export function readDicomTags(bytes: Uint8Array, opts: ReadTagsOptions = {}): DicomTagEntry[] {
  const maxTags = opts.maxTags ?? 20_000;
  const maxDepth = opts.maxDepth ?? 12;
  const budget = new DecodeBudget(FILE.toLowerCase(), opts.timeoutMs ?? 5000);
  const container = openContainer(bytes, FILE);
  const ts = container.transferSyntax;
  const rows: DicomTagEntry[] = [];
  const state = { count: 0, decoder: new TextDecoder('latin1') };

  // File meta header: always explicit VR little endian, between the "DICM" marker and the data set.
  if (container.layout !== 'bare-explicit' && container.layout !== 'bare-implicit') {
    const meta = container.bytes.subarray(0, container.dataSetStart);
    const r = walk(meta, 132, true, true);
    note(r, 'the file meta header');
  }

  let data = container.bytes;
  let start = container.dataSetStart;
  let partial = false;
  if (ts.deflated) {
    const inflated = inflatePrefixSync(container.bytes.subarray(container.dataSetStart), DEFLATED_TAGS_CAP, FILE);
    data = inflated.bytes;
    start = 0;
    partial = !inflated.complete;
  }
  const r = walk(data, start, ts.explicitVr, ts.littleEndian);
  if (partial && r.truncated)
    rows.push(
      noteRow(`Only the first ${Math.round(DEFLATED_TAGS_CAP / 1048576)} MB of the deflated data set were read.`),
    );
  else note(r, 'the data set');
  return rows;

  function note(r: WalkResult & { stopped?: string }, where: string): void {
    if (r.stopped) rows.push(noteRow(r.stopped));
    else if (r.truncated)
      rows.push(
        noteRow(
          `The file ends inside ${r.truncated.tag !== undefined ? `element (${tagText(r.truncated.tag)})` : where}; later attributes are missing.`,
        ),
      );
    else if (r.malformed) rows.push(noteRow(`The rest of ${where} cannot be read: ${r.malformed.what}.`));
  }

  function walk(
    b: Uint8Array,
    from: number,
    explicitVr: boolean,
    littleEndian: boolean,
  ): WalkResult & { stopped?: string } {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    // Parents of the rows being read: the top-level list, then sequence rows and item rows.
    const stack: { list: DicomTagEntry[]; phi: boolean; depth: number; hidden: boolean }[] = [
      { list: rows, phi: false, depth: 0, hidden: false },
    ];
    let stopped: string | undefined;
    const add = (entry: DicomTagEntry) => {
      const top = stack[stack.length - 1];
      if (!top.hidden) top.list.push(entry);
    };
    const visible = () => !stack[stack.length - 1].hidden;
    const full = () => {
      if (state.count >= maxTags) {
        stopped ??= `Only the first ${maxTags.toLocaleString('en-US')} attributes are listed.`;
        return true;
      }
      return false;
    };
    try {
      const result = walkDataSet(
        b,
        from,
        {
          explicitVr,
          littleEndian,
          budget,
          name: FILE,
          limits: { maxDepth: Number.MAX_SAFE_INTEGER, maxElements: DEFAULT_MAX_ELEMENTS * 4 },
        },
        {
          stopAt: () => visible() && full(),
          element(e) {
            if (!visible()) return;
            state.count++;
            add(elementRow(e, b, view, littleEndian, stack[stack.length - 1]));
          },
          sequenceStart(e) {
            const parent = stack[stack.length - 1];
            const entry = visible() ? elementRow({ ...e, length: 0 }, b, view, littleEndian, parent) : undefined;
            const tooDeep = parent.depth >= maxDepth;
            if (entry) {
              state.count++;
              if (tooDeep) entry.value = '(nested too deep to list)';
              else entry.children = [];
              add(entry);
            }
            stack.push({
              list: entry?.children ?? [],
              phi: entry?.phi ?? parent.phi,
              depth: parent.depth + 1,
              hidden: !entry || tooDeep,
            });
          },
          sequenceEnd() {
            const seq = stack.pop()!;
            const parent = stack[stack.length - 1];
            const row = parent.hidden ? undefined : parent.list[parent.list.length - 1];
            if (row && !seq.hidden) row.value = `${seq.list.length} item${seq.list.length === 1 ? '' : 's'}`;
          },
          itemStart(index) {
            const seq = stack[stack.length - 1];
            const hidden = seq.hidden || full();
            const item: DicomTagEntry = {
              tag: 'FFFE,E000',
              keyword: 'Item',
              vr: '',
              value: `Item ${index + 1}`,
              phi: seq.phi,
              depth: seq.depth,
              children: [],
            };
            if (!hidden) {
              state.count++;
              seq.list.push(item);
            }
            stack.push({ list: item.children!, phi: seq.phi, depth: seq.depth + 1, hidden });
          },
          itemEnd() {
            stack.pop();
          },
        },
      );
      return { ...result, stopped };
    } catch (e) {
      if (!(e instanceof XrayError)) throw e;
      return {
        elements: state.count,
        maxDepth: 0,
        end: 0,
        stopped: e.code === 'DECODE_TIMEOUT' ? 'Reading the attributes took too long and was stopped.' : e.message,
      };
    }
  }

  function elementRow(
    e: WalkedElement,
    b: Uint8Array,
    view: DataView,
    le: boolean,
    parent: { phi: boolean; depth: number },
  ): DicomTagEntry {
    const dict = lookupTag(e.tag);
    const isPrivate = ((e.tag >>> 16) & 1) === 1;
    const privateCreator = isPrivate && (e.tag & 0xffff) >= 0x0010 && (e.tag & 0xffff) <= 0x00ff;
    const keyword =
      dict?.keyword ??
      (privateCreator ? 'PrivateCreator' : isPrivate ? 'Private' : (e.tag & 0xffff) === 0 ? 'GroupLength' : '');
    const vr = e.vr ?? dict?.vr ?? (privateCreator ? 'LO' : (e.tag & 0xffff) === 0 ? 'UL' : 'UN');
    if (e.tag === 0x00080005 && e.depth === 0)
      state.decoder = decoderFor(text(b, e.valueOffset, e.length, new TextDecoder('latin1')));
    return {
      tag: tagText(e.tag),
      keyword,
      vr,
      value: displayValue(e, vr, b, view, le),
      phi: parent.phi || isPhi(e.tag, vr, keyword),
      depth: parent.depth,
    };
  }

  function displayValue(e: WalkedElement, vr: string, b: Uint8Array, view: DataView, le: boolean): string {
    // A sequence's length is not checked against the file by the walk (its items are): read only what is there.
    const length = Math.max(0, Math.min(e.length, b.length - e.valueOffset));
    if (e.fragments) {
      const f = e.fragments;
      return `(encapsulated, ${f.count} fragment${f.count === 1 ? '' : 's'}, ${f.bytes.toLocaleString('en-US')} bytes)`;
    }
    if (BINARY_VRS.has(vr) || e.undefinedLength) return `(binary, ${e.length.toLocaleString('en-US')} bytes)`;
    const size = NUMBER_SIZES[vr];
    if (size) return numbers(vr, size, e.valueOffset, length, view, le);
    if (vr === 'SQ') return '';
    return text(b, e.valueOffset, length, ASCII_VRS.has(vr) ? ASCII : state.decoder);
  }
}

const ASCII = new TextDecoder('latin1');

function decoderFor(charset: string): TextDecoder {
  // Multi-valued with ISO 2022 code extensions: the last term names the extension most values use.
  const terms = charset
    .split('\\')
    .map((t) => t.trim().replace(/ /g, '_'))
    .filter(Boolean);
  const label = CHARSETS[terms[terms.length - 1] ?? ''] ?? 'latin1';
  try {
    return new TextDecoder(label);
  } catch {
    return ASCII;
  }
}

function text(b: Uint8Array, at: number, length: number, decoder: TextDecoder): string {
  // Decode no more than is shown (a few bytes per character at most).
  const raw = b.subarray(at, at + Math.min(length, MAX_VALUE_CHARS * 4));
  let s = decoder.decode(raw).replace(/[\0\s]+$/, '');
  // Control characters would break a one-line display; show them as spaces.
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  s = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
  return clip(s, length > raw.length);
}

function clip(s: string, more: boolean): string {
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}…` : more ? `${s}…` : s;
}

function numbers(vr: string, size: number, at: number, length: number, view: DataView, le: boolean): string {
  const n = Math.floor(length / size);
  const out: string[] = [];
  for (let i = 0; i < Math.min(n, MAX_LISTED_VALUES); i++) {
    const p = at + i * size;
    switch (vr) {
      case 'US':
        out.push(String(view.getUint16(p, le)));
        break;
      case 'SS':
        out.push(String(view.getInt16(p, le)));
        break;
      case 'UL':
        out.push(String(view.getUint32(p, le)));
        break;
      case 'SL':
        out.push(String(view.getInt32(p, le)));
        break;
      case 'FL':
        out.push(String(Math.fround(view.getFloat32(p, le))));
        break;
      case 'FD':
        out.push(String(view.getFloat64(p, le)));
        break;
      case 'SV':
        out.push(String(view.getBigInt64(p, le)));
        break;
      case 'UV':
        out.push(String(view.getBigUint64(p, le)));
        break;
      case 'AT':
        out.push(`(${tagText(((view.getUint16(p, le) << 16) | view.getUint16(p + 2, le)) >>> 0)})`);
        break;
    }
  }
  const s = out.join('\\') + (n > MAX_LISTED_VALUES ? `\\… (${n.toLocaleString('en-US')} values)` : '');
  return clip(s, false);
}

function noteRow(value: string): DicomTagEntry {
  return { tag: '', keyword: '', vr: '', value, phi: false, depth: 0 };
}
