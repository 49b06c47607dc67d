import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import { type IterationRecord, iterationRecordSchema } from './record.js';

export class RecordFileError extends SlotlabError {
  constructor(file: string, line: number, detail: string) {
    super('BAD_RECORDS', `${file}:${line}: ${detail}; the file is not a slotlab run record file, or was edited: restore it or leave it out`);
  }
}

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

export interface RecordFile {
  records: IterationRecord[];
  /** A last line cut short by a crash in the middle of a write, left out. */
  truncatedTail: boolean;
}

/** Reads and validates every record; only an unterminated last line may be incomplete. */
export function readRecordFile(file: string): RecordFile {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const complete = text.endsWith('\n') || text.length === 0;
  // The last element is '' after a final newline, or a line a crash cut short.
  const body = lines.slice(0, -1);
  const records: IterationRecord[] = [];
  body.forEach((line, index) => {
    if (line.trim().length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new RecordFileError(file, index + 1, 'not JSON');
    }
    const result = iterationRecordSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new RecordFileError(file, index + 1, `field ${issue.path.join('.') || '(record)'}: ${issue.message}`);
    }
    records.push(result.data);
  });
  return { records, truncatedTail: !complete };
}

export function readRecords(file: string): IterationRecord[] {
  return readRecordFile(file).records;
}
