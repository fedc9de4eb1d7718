// Table readers for classify, pairs and series, fed one line at a time so the probe can stream a large file
// and the loader can read a whole one with the same code (and so the same errors and line numbers).
// CSV follows RFC 4180 (quoted fields may hold commas, doubled quotes and newlines); TSV is split on tabs
// without quoting; JSONL is one JSON object per line. CSV and TSV need a header row that names the columns.
import { DataError } from './errors';

export type TableFormat = 'csv' | 'tsv' | 'jsonl';

export interface Row {
  /** Column name -> cell text (only the columns asked for, or all for `series` without `columns`). */
  cells: Record<string, string>;
  /** 1-based line where the row starts. */
  line: number;
}

export function formatFromPath(path: string): TableFormat | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.csv')) return 'csv';
  if (p.endsWith('.tsv') || p.endsWith('.tab')) return 'tsv';
  if (p.endsWith('.jsonl') || p.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

function sniff(line: string): TableFormat {
  if (line.trimStart().startsWith('{')) return 'jsonl';
  if (line.includes('\t')) return 'tsv';
  return 'csv';
}

export class RowReader {
  format?: TableFormat;
  header?: string[];
  private fields: string[] = [];
  private cur = '';
  private inQuotes = false;
  private quoted = false;
  private startLine = 0;
  rows = 0;

  /** `columns`: names every row must have; undefined = all header columns (CSV/TSV only). */
  constructor(private readonly file: string, private readonly columns: string[] | undefined, private readonly argFor: Record<string, string> = {}) {
    this.format = formatFromPath(file);
  }

  /** Feeds one line (without its newline); returns a complete row, or undefined (header, blank, open quote). */
  line(text: string, lineNo: number): Row | undefined {
    if (this.format === undefined) {
      if (!text.trim()) return undefined;
      this.format = sniff(text);
    }
    if (this.format === 'jsonl') return this.jsonLine(text, lineNo);
    let record: string[] | undefined;
    if (this.format === 'tsv') {
      if (!text.trim()) return undefined;
      record = text.split('\t');
      this.startLine = lineNo;
    } else {
      record = this.csvLine(text, lineNo);
    }
    if (!record) return undefined;
    return this.record(record);
  }

  /** Call at the end of the file. */
  end(lastLine: number): void {
    if (this.inQuotes) {
      throw new DataError(this.file, `a quoted field opened on line ${this.startLine} is never closed`, { line: this.startLine, fix: 'close the quote with " (a quote inside a field is written "")' });
    }
    if (this.format !== 'jsonl' && !this.header) throw emptyFile(this.file);
    if (this.rows === 0) {
      throw new DataError(this.file, this.format === 'jsonl' || !this.header ? 'the file has no rows' : 'the file has a header but no rows', { line: this.format === 'jsonl' ? undefined : lastLine, fix: 'add data rows' });
    }
  }

  private csvLine(text: string, lineNo: number): string[] | undefined {
    if (!this.inQuotes) {
      if (!text.trim()) return undefined;
      this.fields = [];
      this.cur = '';
      this.quoted = false;
      this.startLine = lineNo;
    } else {
      this.cur += '\n';
    }
    let fieldStart = !this.inQuotes && this.cur === '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') { this.cur += '"'; i++; } else this.inQuotes = false;
        } else this.cur += ch;
      } else if (ch === ',') {
        this.fields.push(this.quoted ? this.cur : this.cur.trim());
        this.cur = '';
        this.quoted = false;
        fieldStart = true;
        continue;
      } else if (ch === '"' && fieldStart && this.cur.trim() === '') {
        this.inQuotes = true;
        this.quoted = true;
        this.cur = '';
      } else {
        this.cur += ch;
      }
      fieldStart = false;
    }
    if (this.inQuotes) return undefined;
    this.fields.push(this.quoted ? this.cur : this.cur.trim());
    return this.fields;
  }

  private record(rec: string[]): Row | undefined {
    const line = this.startLine;
    if (!this.header) {
      this.header = rec.map((h) => h.trim());
      for (const c of this.columns ?? []) {
        if (!this.header.includes(c)) {
          const arg = this.argFor[c];
          throw new DataError(this.file, `column "${c}" is not in the header (columns: ${this.header.join(', ')})`, {
            line,
            fix: arg ? `name the column with ${arg} = "${this.header[0]}" (or rename the header)` : 'add the column to the header',
          });
        }
      }
      return undefined;
    }
    if (rec.length !== this.header.length) {
      throw new DataError(this.file, `expected ${this.header.length} columns (${this.header.join(', ')}), found ${rec.length}`, {
        line,
        fix: this.format === 'csv' ? 'quote a field that contains a comma: "like, this"' : 'give every row one cell per header column',
      });
    }
    const cells: Record<string, string> = {};
    for (let i = 0; i < this.header.length; i++) {
      if (!this.columns || this.columns.includes(this.header[i])) cells[this.header[i]] = rec[i];
    }
    this.rows++;
    return { cells, line };
  }

  private jsonLine(text: string, lineNo: number): Row | undefined {
    if (!text.trim()) return undefined;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new DataError(this.file, `not valid JSON: ${(e as Error).message}`, { line: lineNo, fix: 'write one JSON object per line' });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new DataError(this.file, 'expected a JSON object on each line', { line: lineNo, fix: 'write one JSON object per line, e.g. {"text": "...", "label": "pos"}' });
    }
    const o = obj as Record<string, unknown>;
    const cells: Record<string, string> = {};
    const names = this.columns ?? Object.keys(o);
    for (const c of names) {
      const v = o[c];
      if (typeof v === 'string') cells[c] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') cells[c] = String(v);
      else {
        const arg = this.argFor[c];
        throw new DataError(this.file, v === undefined ? `the object has no "${c}" field (fields: ${Object.keys(o).join(', ')})` : `field "${c}" must be a string or number`, {
          line: lineNo,
          fix: arg && v === undefined ? `name the field with ${arg} = "${Object.keys(o)[0] ?? c}"` : `give every line a "${c}" field`,
        });
      }
    }
    this.rows++;
    return { cells, line: lineNo };
  }
}

export function emptyFile(file: string): DataError {
  return new DataError(file, 'the file is empty', { fix: 'point the data block at a file with data' });
}
