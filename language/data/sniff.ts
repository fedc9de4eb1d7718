// Is a data file text? Bytes are checked as they are read: a NUL byte, or invalid UTF-8 in more than 1 in 100
// bytes, means a binary file, which is refused (a "vocabulary" of 2,000 random symbols trains nothing
// useful); a few invalid sequences are decoded as U+FFFD and reported as a warning with the first one's
// byte offset, so the person can fix the encoding.
import { DataError } from './errors';

export class TextSniffer {
  private offset = 0;
  /** Continuation bytes still expected by the current sequence, and where that sequence started. */
  private need = 0;
  private start = 0;
  private invalid = 0;
  private firstInvalid = -1;
  private firstNul = -1;

  constructor(private readonly file: string) {}

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.need > 0) {
        if ((b & 0xc0) === 0x80) { this.need--; continue; }
        this.bad(this.start); // a sequence cut short (reported where it began); this byte starts afresh
        this.need = 0;
      }
      if (b === 0 && this.firstNul < 0) this.firstNul = this.offset + i;
      if (b < 0x80) continue;
      this.start = this.offset + i;
      if (b >= 0xc2 && b <= 0xdf) this.need = 1;
      else if (b >= 0xe0 && b <= 0xef) this.need = 2;
      else if (b >= 0xf0 && b <= 0xf4) this.need = 3;
      else this.bad(this.offset + i);
    }
    this.offset += bytes.length;
  }

  private bad(at: number): void {
    this.invalid++;
    if (this.firstInvalid < 0) this.firstInvalid = at;
  }

  /** Throws DataError for a binary file; returns a warning for a text file with a few invalid bytes. */
  end(): string | undefined {
    if (this.need > 0) this.bad(this.start);
    if (this.firstNul >= 0) {
      throw new DataError(this.file, `is not a text file: byte ${this.firstNul.toLocaleString('en-US')} is a NUL (0x00); data files are UTF-8 text`, { code: 'data-mismatch', fix: 'point the data block at a text file (CSV, TSV, JSONL or plain text)' });
    }
    if (this.invalid > Math.max(8, this.offset / 100)) {
      throw new DataError(this.file, `is not UTF-8 text: ${this.invalid.toLocaleString('en-US')} invalid byte sequences, the first at byte ${this.firstInvalid.toLocaleString('en-US')}`, { code: 'data-mismatch', fix: 'convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8), or point at a text file' });
    }
    if (this.invalid > 0) {
      return `${this.invalid} byte sequence${this.invalid === 1 ? ' is' : 's are'} not valid UTF-8 (the first at byte ${this.firstInvalid.toLocaleString('en-US')}); they read as U+FFFD. Convert the file to UTF-8 to keep those characters`;
    }
    return undefined;
  }
}

/** The whole file at once: its text, and a warning when a few bytes are not UTF-8. Throws for binary data. */
export function decodeText(bytes: Uint8Array, file: string): { text: string; warning?: string } {
  const s = new TextSniffer(file);
  s.push(bytes);
  const warning = s.end();
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), warning };
}
