/**
 * The label file format (docs/labels.md): RFC 4180 CSV, UTF-8, one header line
 * `path,label,note,sha256,updated` (and `,boxes` once an image has box marks), one image per record, sorted
 * by path. pandas, R and spreadsheets read
 * it as it is. Parsing is strict: a file someone edited by hand into something we cannot read is reported
 * with the line of the first problem (and every other one), and the caller never overwrites it.
 */
import { normalizeLabelPath, sortedEntries, type Entries } from './labelSet';
import { formatBoxes, isLabelValue, LABEL_VALUES, parseBoxes, type LabelEntry } from './types';

export const LABEL_COLUMNS = ['path', 'label', 'note', 'sha256', 'updated'] as const;
/** The optional column of box marks (types.ts formatBoxes). */
export const BOXES_COLUMN = 'boxes';

export interface LabelProblem {
  /** 1-based line where the record starts. */
  line: number;
  message: string;
}

export type ParsedLabels = { ok: true; entries: Entries } | { ok: false; problems: LabelProblem[] };

const MAX_PROBLEMS = 20;

/** Reads a label file; an empty file (or only the header) is an empty set. */
export function parseLabelFile(text: string): ParsedLabels {
  const problems: LabelProblem[] = [];
  const records = splitRecords(text.replace(/^\uFEFF/, ''), problems);
  const entries: Entries = new Map();
  if (!records.length) return problems.length ? { ok: false, problems } : { ok: true, entries };
  const [head, ...rest] = records;
  const header = head.cells.map((h) => h.trim().toLowerCase());
  const col = Object.fromEntries(LABEL_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<
    (typeof LABEL_COLUMNS)[number],
    number
  >;
  const boxesCol = header.indexOf(BOXES_COLUMN);
  if (col.path < 0 || col.label < 0) {
    problems.push({
      line: head.line,
      message: `the header must name the columns ${LABEL_COLUMNS.join(',')} (at least path and label); found "${head.cells.join(',')}"`,
    });
    return { ok: false, problems };
  }
  for (const r of rest) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (r.cells.length === 1 && r.cells[0].trim() === '') continue;
    if (r.cells.length !== header.length) {
      problems.push({ line: r.line, message: `${r.cells.length} fields where the header has ${header.length}` });
      continue;
    }
    const get = (c: number) => (c >= 0 ? r.cells[c] : '');
    const path = normalizeLabelPath(get(col.path).trim());
    const label = get(col.label).trim().toLowerCase();
    const note = get(col.note);
    const sha256 = get(col.sha256).trim().toLowerCase();
    const updated = get(col.updated).trim();
    if (!path) {
      problems.push({ line: r.line, message: 'the path is empty' });
      continue;
    }
    if (label && !isLabelValue(label)) {
      problems.push({
        line: r.line,
        message: `unknown label "${label.slice(0, 40)}" (one of ${LABEL_VALUES.join(', ')}, or empty)`,
      });
      continue;
    }
    if (sha256 && !/^[0-9a-f]{64}$/.test(sha256)) {
      problems.push({ line: r.line, message: 'sha256 is not 64 hexadecimal digits' });
      continue;
    }
    if (updated && Number.isNaN(Date.parse(updated))) {
      problems.push({ line: r.line, message: `updated "${updated.slice(0, 40)}" is not a date and time` });
      continue;
    }
    const boxes = parseBoxes(get(boxesCol));
    if (typeof boxes === 'string') {
      problems.push({ line: r.line, message: boxes });
      continue;
    }
    if (entries.has(path)) {
      problems.push({ line: r.line, message: `"${path}" is labelled twice` });
      continue;
    }
    if (!label && !note.trim() && !boxes.length) continue;
    entries.set(path, {
      path,
      label: label ? (label as LabelEntry['label']) : undefined,
      note: note.trim() ? note.trim() : undefined,
      ...(boxes.length ? { boxes } : {}),
      sha256,
      updated,
    });
  }
  return problems.length ? { ok: false, problems } : { ok: true, entries };
}

/** The file's text for these entries (header, then one line per entry, sorted by path, '\n' line ends). */
export function serializeLabels(entries: Entries): string {
  const sorted = sortedEntries(entries);
  // The boxes column only once an image has boxes: files without marks stay as they always were.
  const withBoxes = sorted.some((e) => e.boxes?.length);
  const lines = [[...LABEL_COLUMNS, ...(withBoxes ? [BOXES_COLUMN] : [])].join(',')];
  for (const e of sorted) {
    const cells = [e.path, e.label ?? '', e.note ?? '', e.sha256, e.updated];
    if (withBoxes) cells.push(formatBoxes(e.boxes));
    lines.push(cells.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

export function csvField(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

interface CsvRecord {
  line: number;
  cells: string[];
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks), each with its first line. */
function splitRecords(text: string, problems: LabelProblem[]): CsvRecord[] {
  const out: CsvRecord[] = [];
  let line = 1;
  let start = 1;
  let cells: string[] = [];
  let cur = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cur += c;
      }
      continue;
    }
    if (c === '"') {
      if (cur.trim() !== '' || wasQuoted) {
        problems.push({
          line,
          message: 'a quote inside an unquoted field (quote the whole field and double the quote)',
        });
        return out;
      }
      cur = '';
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      cells.push(cur);
      cur = '';
      wasQuoted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cur);
      out.push({ line: start, cells });
      cells = [];
      cur = '';
      wasQuoted = false;
      line++;
      start = line;
    } else if (wasQuoted) {
      problems.push({ line, message: 'text after a closing quote' });
      return out;
    } else cur += c;
  }
  if (quoted) {
    problems.push({ line: start, message: 'a quoted field is never closed' });
    return out;
  }
  if (cur !== '' || cells.length) {
    cells.push(cur);
    out.push({ line: start, cells });
  }
  return out;
}
