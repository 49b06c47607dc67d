import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { z } from 'zod';
import type { QmpTranscript } from '../qmp/qmp-transcript.js';
import type { RunFiles } from './run-store.js';

/** What one iteration leaves for a bug report: the QMP session, QEMU's command line and environment, what the guest and QEMU printed. */
export interface FlightData {
  transcript: QmpTranscript;
  argv: string[];
  env: Record<string, string> | undefined;
  /** The guest's serial console. */
  console: string;
  /** QEMU's stdout and stderr (their end). */
  output: string;
}

/** The record's pointer to its flight files, relative to the folder of the run's records. */
export const flightSchema = z
  .object({
    qmp: z.string(),
    command: z.string(),
    console: z.string(),
    output: z.string(),
    /** QMP exchanges in the session, and how many of them the transcript left out (it keeps the first and last ones). */
    exchanges: z.number().int().nonnegative(),
    dropped: z.number().int().nonnegative(),
  })
  .strict();
export type FlightFiles = z.infer<typeof flightSchema>;

/** The command file: enough to start the same QEMU again. */
export interface FlightCommand {
  argv: string[];
  env: Record<string, string>;
}

const CONSOLE_LIMIT = 1024 * 1024;

/** Writes the iteration's flight files (each complete or absent: written aside, fsync'd, renamed) and says where they are. */
export function writeFlight(files: RunFiles, build: string, iteration: number, data: FlightData): FlightFiles {
  fs.mkdirSync(files.flightDir, { recursive: true });
  const stem = `${build.replace(/[^A-Za-z0-9._-]/g, '_')}.${iteration}`;
  const relative = (name: string) => path.join(path.basename(files.flightDir), name);
  const command: FlightCommand = { argv: data.argv, env: data.env ?? {} };
  const written = {
    qmp: put(files.flightDir, `${stem}.qmp.jsonl.gz`, zlib.gzipSync(data.transcript.toJsonl())),
    command: put(files.flightDir, `${stem}.command.json`, Buffer.from(JSON.stringify(command, null, 2) + '\n')),
    console: put(files.flightDir, `${stem}.console.log.gz`, zlib.gzipSync(data.console.slice(-CONSOLE_LIMIT))),
    output: put(files.flightDir, `${stem}.qemu-output.log.gz`, zlib.gzipSync(data.output)),
  };
  return {
    qmp: relative(written.qmp),
    command: relative(written.command),
    console: relative(written.console),
    output: relative(written.output),
    exchanges: data.transcript.count,
    dropped: data.transcript.dropped,
  };
}

/** A flight file named by a record, read (and gunzipped) from beside the run's records. */
export function readFlightFile(recordsFile: string, relativePath: string): string {
  const data = fs.readFileSync(path.join(path.dirname(recordsFile), relativePath));
  return relativePath.endsWith('.gz') ? zlib.gunzipSync(data).toString('utf8') : data.toString('utf8');
}

function put(dir: string, name: string, data: Buffer): string {
  const file = path.join(dir, name);
  const aside = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(aside, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(aside, file);
  return name;
}
