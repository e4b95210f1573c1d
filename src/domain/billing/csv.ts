/**
 * An incremental RFC 4180 CSV reader for the usage import: text goes in chunk by chunk (a chunk may end anywhere, even
 * inside a quoted field or between CR and LF) and complete records come out with the physical line number each starts
 * on, so errors can name the line a spreadsheet shows. Quoted fields may contain commas, doubled quotes and line
 * breaks; CRLF, LF and CR line ends are accepted; blank lines are skipped. A quote inside an unquoted field is kept
 * literally (as spreadsheets do). An unterminated quoted field is an error at `end()`.
 */

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line on which the record starts. */
  readonly line: number;
}

export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

const State = {
  FieldStart: 0,
  Unquoted: 1,
  Quoted: 2,
  /** Just read a `"` inside a quoted field: either an escaped quote or the field's end. */
  QuoteInQuoted: 3,
} as const;
type State = (typeof State)[keyof typeof State];

export class CsvParser {
  private state: State = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  /** The previous chunk ended with CR: a leading LF of the next chunk belongs to it. */
  private skipLf = false;

  /** Feeds text; returns the records completed by it. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const n = text.length;
    let i = 0;
    if (this.skipLf && n > 0) {
      this.skipLf = false;
      if (text.charCodeAt(0) === 10) i = 1;
    }
    while (i < n) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case State.Quoted: {
          const q = text.indexOf('"', i);
          const end = q === -1 ? n : q;
          const chunk = text.slice(i, end);
          this.field += chunk;
          for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) this.line += 1;
          if (q === -1) return out;
          this.state = State.QuoteInQuoted;
          i = q + 1;
          continue;
        }
        case State.QuoteInQuoted:
          if (c === 34) {
            this.field += '"';
            this.state = State.Quoted;
            i += 1;
            continue;
          }
          this.state = State.Unquoted;
          continue;
        case State.FieldStart:
          if (c === 34) {
            this.state = State.Quoted;
            i += 1;
            continue;
          }
          this.state = State.Unquoted;
          continue;
        case State.Unquoted: {
          if (c === 44) {
            this.endField();
            i += 1;
            continue;
          }
          if (c === 10 || c === 13) {
            this.endRecord(out);
            this.line += 1;
            this.recordLine = this.line;
            if (c === 13) {
              if (i + 1 < n) {
                if (text.charCodeAt(i + 1) === 10) i += 1;
              } else {
                this.skipLf = true;
              }
            }
            i += 1;
            continue;
          }
          let j = i;
          while (j < n) {
            const d = text.charCodeAt(j);
            if (d === 44 || d === 10 || d === 13) break;
            j += 1;
          }
          this.field += text.slice(i, j);
          i = j;
          continue;
        }
      }
    }
    return out;
  }

  /** Ends the input; returns the last record if the text did not end with a line break. */
  end(): CsvRecord[] {
    if (this.state === State.Quoted) throw new CsvSyntaxError(this.recordLine, `line ${this.recordLine}: a quoted field is never closed`);
    const out: CsvRecord[] = [];
    this.endRecord(out);
    return out;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = State.FieldStart;
  }

  private endRecord(out: CsvRecord[]): void {
    const blank = this.fields.length === 0 && this.field.trim() === '' && this.state !== State.QuoteInQuoted;
    this.endField();
    if (!blank) out.push({ fields: this.fields, line: this.recordLine });
    this.fields = [];
  }
}
