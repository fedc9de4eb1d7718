// One error type for everything the data layer can refuse: the checker turns it into a diagnostic (via the
// host's DataProbe), the engine reports it as "file:line: message (fix: ...)".

export type DataErrorCode = 'missing-file' | 'data-mismatch' | 'bad-argument';

export class DataError extends Error {
  readonly file: string;
  /** 1-based line of the file, when the problem is on one line. */
  readonly line?: number;
  readonly code: DataErrorCode;
  /** The problem without the "file:line: " prefix (what a diagnostic shows). */
  detail: string;
  /** How to fix it, in words. */
  fix?: string;
  constructor(file: string, detail: string, opts: { line?: number; code?: DataErrorCode; fix?: string } = {}) {
    super('');
    this.name = 'DataError';
    this.file = file;
    this.line = opts.line;
    this.code = opts.code ?? 'data-mismatch';
    this.detail = detail;
    this.fix = opts.fix;
    this.message = this.render();
  }
  withFix(fix: string): this {
    this.fix = fix;
    this.message = this.render();
    return this;
  }
  /** "detail (fix: ...)": the probe's message. */
  get text(): string {
    return this.fix ? `${this.detail}; fix: ${this.fix}` : this.detail;
  }
  private render(): string {
    return `${this.file}${this.line !== undefined ? `:${this.line}` : ''}: ${this.text}`;
  }
}
