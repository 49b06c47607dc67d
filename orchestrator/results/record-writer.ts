import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import { type IterationRecord, iterationRecordSchema } from './record.js';

export class RecordFileError extends SlotlabError {
  constructor(file: string, line: number, detail: string) {
    super('BAD_RECORDS', `${file}:${line}: ${detail}; the file is not a slotlab run record file, or was edited: restore it or leave it out`);
  }
}

/** A record file that already exists where a new run would create its own. */
export class RecordFileExistsError extends SlotlabError {
  constructor(file: string) {
    super('RUN_EXISTS', `${file} already exists; a new run never writes into another run's file: start it again (it picks a new id)`);
  }
}

/** Bytes after the last complete line, cut off before appending and kept in a side file. */
export interface TornTail {
  bytes: number;
  savedTo: string;
  at: string;
}

/**
 * Append-only JSONL; every record is fsync'd before `append` returns, so a crash
 * loses nothing completed. A file whose last line a crash cut short is first
 * cut back to its last complete line (the torn bytes go to a side file), so a
 * new record never lands on a fragment.
 */
export class RecordWriter {
  private readonly fd: number;
  /** What was cut off the end of the file when it was opened, if anything. */
  readonly tornTail: TornTail | undefined;

  /** `exclusive`: the file must not exist yet (a new run), so two runs can never share one. */
  constructor(
    readonly file: string,
    options: { exclusive?: boolean } = {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      this.fd = fs.openSync(file, options.exclusive ? 'ax+' : 'a+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new RecordFileExistsError(file);
      throw error;
    }
    this.tornTail = cutTornTail(this.fd, file);
  }

  append(record: IterationRecord): void {
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Offset just after the file's last newline (0 when it has none). */
function lastLineEnd(fd: number, size: number): number {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const length = fs.readSync(fd, chunk, 0, end - start, start);
    const newline = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}

function cutTornTail(fd: number, file: string): TornTail | undefined {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return undefined;
  const cut = lastLineEnd(fd, size);
  if (cut === size) return undefined;
  const torn = Buffer.alloc(size - cut);
  fs.readSync(fd, torn, 0, torn.length, cut);
  const at = new Date().toISOString();
  const savedTo = `${file}.torn-${at.replace(/[-:.]/g, '')}`;
  const side = fs.openSync(savedTo, 'ax');
  fs.writeSync(side, torn);
  fs.fsyncSync(side);
  fs.closeSync(side);
  fs.ftruncateSync(fd, cut);
  fs.fsyncSync(fd);
  return { bytes: torn.length, savedTo, at };
}

/** A line that is not a whole record: the torn end of an interrupted write. */
export interface TornLine {
  line: number;
  bytes: number;
  /** A record written straight after it (by a writer that did not cut it off) was recovered from the same line. */
  followedByRecord: boolean;
}

export interface RecordFile {
  records: IterationRecord[];
  /** The last line is the torn end of an interrupted write (a crash, an OOM kill, a full disk), left out. */
  truncatedTail: boolean;
  torn: TornLine[];
}

const RECORD_START = '{"schema":';

/**
 * Reads and validates every record. Only the last line may be torn; a line that
 * is a torn fragment with a complete record appended to it (what an older
 * writer left after a resume) gives that record back.
 */
export function readRecordFile(file: string): RecordFile {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  // After a final newline the last element is ''; otherwise it is a line an interrupted write left unterminated.
  const terminated = lines[lines.length - 1] === '';
  if (terminated) lines.pop();
  const records: IterationRecord[] = [];
  const torn: TornLine[] = [];
  lines.forEach((line, index) => {
    if (line.trim().length === 0) return;
    const unterminated = !terminated && index === lines.length - 1;
    let parsed = parseJson(line);
    if (parsed === undefined) {
      const start = line.lastIndexOf(RECORD_START);
      const rest = start > 0 ? parseJson(line.slice(start)) : undefined;
      if (rest !== undefined) {
        torn.push({ line: index + 1, bytes: Buffer.byteLength(line.slice(0, start)), followedByRecord: true });
        parsed = rest;
      } else if (unterminated) {
        torn.push({ line: index + 1, bytes: Buffer.byteLength(line), followedByRecord: false });
        return;
      } else {
        throw new RecordFileError(file, index + 1, 'not JSON (only an unterminated last line can be the torn end of an interrupted write)');
      }
    }
    const result = iterationRecordSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new RecordFileError(file, index + 1, `field ${issue.path.join('.') || '(record)'}: ${issue.message}`);
    }
    records.push(result.data);
  });
  return { records, truncatedTail: torn.some((entry) => entry.line === lines.length && !entry.followedByRecord), torn };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** One line per torn fragment, for stderr. */
export function tornNotes(file: string, torn: readonly TornLine[]): string[] {
  return torn.map((entry) =>
    entry.followedByRecord
      ? `${file}:${entry.line}: torn record (${entry.bytes} bytes of an interrupted write) before a complete one; the fragment is left out`
      : `${file}:${entry.line}: torn last line (${entry.bytes} bytes of an interrupted write), left out`,
  );
}

export function readRecords(file: string): IterationRecord[] {
  return readRecordFile(file).records;
}
