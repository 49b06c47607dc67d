import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines, counting the limit in bytes. Lines are cut
 * at the newline byte (which never occurs inside a UTF-8 sequence) and decoded
 * with a StringDecoder, so a character split across two chunks arrives whole.
 */
export class LineReader {
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  /** Bytes of the current unterminated line. */
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** The complete lines `chunk` ends, or an overflow when the unterminated rest exceeds the limit. */
  push(chunk: Buffer): { lines: string[]; overflow?: string } {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      const bytes = this.pendingBytes + newline - start;
      if (bytes > this.maxLineBytes) return { lines, overflow: `a line of ${bytes} bytes exceeds the limit of ${this.maxLineBytes}` };
      lines.push(this.text + this.decoder.write(chunk.subarray(start, newline)) + this.decoder.end());
      this.text = '';
      this.pendingBytes = 0;
      start = newline + 1;
    }
    this.pendingBytes += chunk.length - start;
    if (this.pendingBytes > this.maxLineBytes) return { lines, overflow: `more than ${this.maxLineBytes} bytes without a newline` };
    this.text += this.decoder.write(chunk.subarray(start));
    return { lines };
  }

  /** What has arrived of the unterminated line, for error messages. */
  get partial(): string {
    return this.text;
  }
}
