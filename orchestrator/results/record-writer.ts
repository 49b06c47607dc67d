import fs from 'node:fs';
import path from 'node:path';
import type { IterationRecord } from './record.js';

/** Append-only JSONL; every record is fsync'd before `append` returns, so a crash loses nothing completed. */
export class RecordWriter {
  private readonly fd: number;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }

  append(record: IterationRecord): void {
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

export function readRecords(file: string): IterationRecord[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as IterationRecord);
}
