/**
 * A streaming RFC 4180 parser: fields may be quoted, and a quoted field may hold the separator,
 * doubled quotes and line breaks. Text is pushed in chunks; whole records come out as soon as
 * they end, so memory holds one record at a time. CR LF and LF both end a record.
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private quoted = false;
  /** Inside quotes, a quote was just seen: either the closing one or the first of a doubled pair. */
  private quoteSeen = false;
  private fieldStarted = false;

  constructor(private readonly separator: string) {}

  push(text: string): string[][] {
    const out: string[][] = [];
    const sep = this.separator;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.quoted = false; // the quote closed the field; c is handled below
        } else if (c === '"') {
          this.quoteSeen = true;
          continue;
        } else {
          this.field += c;
          continue;
        }
      }
      if (c === sep) this.endField();
      else if (c === '\n') this.endRecord(out);
      else if (c === '\r') continue;
      else if (c === '"' && !this.fieldStarted) {
        this.quoted = true;
        this.fieldStarted = true;
      } else {
        this.field += c;
        this.fieldStarted = true;
      }
    }
    return out;
  }

  /** The last record when the text does not end with a line break. */
  end(): string[][] {
    const out: string[][] = [];
    if (this.fieldStarted || this.record.length > 0) this.endRecord(out);
    return out;
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = '';
    this.fieldStarted = false;
  }

  private endRecord(out: string[][]): void {
    this.endField();
    // A blank line is no record.
    if (!(this.record.length === 1 && this.record[0] === '')) out.push(this.record);
    this.record = [];
  }
}

/**
 * Splits a JSON array of objects (`[{...}, {...}]`) into the text of each element as it streams,
 * tracking strings and nesting only, so a file of any length is read one element at a time.
 */
export class JsonArraySplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private current = '';

  push(text: string): string[] {
    const out: string[] = [];
    let start = this.depth >= 2 ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') {
        if (this.depth === 1) start = i; // a bare string element
        this.inString = true;
      } else if (c === '{' || c === '[') {
        this.depth += 1;
        if (this.depth === 2) start = i;
      } else if (c === '}' || c === ']') {
        this.depth -= 1;
        if (this.depth === 1 && start >= 0) {
          out.push(this.current + text.slice(start, i + 1));
          this.current = '';
          start = -1;
        }
      } else if (c === ',' && this.depth === 1 && start >= 0) {
        out.push(this.current + text.slice(start, i));
        this.current = '';
        start = -1;
      } else if (this.depth === 1 && start < 0 && !/\s/.test(c)) start = i; // a number, true, null ...
    }
    if (start >= 0) this.current += text.slice(start);
    return out;
  }
}
