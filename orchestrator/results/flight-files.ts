import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { writeFileWhole } from './write-whole.js';
import { z } from 'zod';
import type { MachineConfig, MachinePaths } from '../machine/machine-types.js';
import type { VcpuForensics } from '../machine/vcpu-forensics.js';
import { fwCfgPath } from '../machine/qemu-args.js';
import type { QmpTranscript } from '../qmp/qmp-transcript.js';
import { sha256File } from '../builds/provenance.js';
import type { RunFiles } from './run-store.js';

/** What one iteration leaves for a bug report: the QMP session, QEMU's command line and environment, what the guest and QEMU printed. */
export interface FlightData {
  transcript: QmpTranscript;
  argv: string[];
  env: Record<string, string> | undefined;
  launch: FlightLaunch;
  /** The guest's serial console. */
  console: string;
  /** QEMU's stdout and stderr (their end). */
  output: string;
  /** Every vCPU's registers and pages, kept for an iteration that did not survive (vcpu-forensics.ts). */
  vcpus?: VcpuForensics;
}

/** The record's pointer to its flight files, relative to the folder of the run's records. */
export const flightSchema = z
  .object({
    qmp: z.string(),
    command: z.string(),
    console: z.string(),
    output: z.string(),
    /** Not survived: `info registers -a` and the pages at each vCPU's instruction pointer and loop (absent in older records). */
    registers: z.string().optional(),
    pages: z.string().optional(),
    /** QMP exchanges in the session, and how many of them the transcript left out (it keeps the first and last ones). */
    exchanges: z.number().int().nonnegative(),
    dropped: z.number().int().nonnegative(),
  })
  .strict();
export type FlightFiles = z.infer<typeof flightSchema>;

/** The files QEMU's command line names besides its own: where they were, and what they held. */
export interface FlightLaunch {
  /** The machine's private folder (QMP socket, serial log, fw_cfg files), gone after the iteration. */
  privateDir: string;
  kernel?: FileRef;
  initrd?: FileRef;
  /** The saved state a restored guest was loaded from (the `-incoming exec:cat FILE`). */
  incoming?: FileRef;
  /** fw_cfg blobs, kept whole (they lived in the private folder). */
  fwCfg: { name: string; path: string; base64: string }[];
}

export interface FileRef {
  path: string;
  sha256: string;
}

/** The command file: enough to start the same QEMU again. */
export interface FlightCommand extends FlightLaunch {
  argv: string[];
  env: Record<string, string>;
}

/** What a machine's command line names, for the command file; files are hashed once per path and mtime. */
export function launchFiles(machine: { paths: { dir: string }; config: MachineConfig }): FlightLaunch {
  const { config, paths } = machine;
  const incoming = config.incoming?.startsWith('exec:cat ') ? unquote(config.incoming.slice('exec:cat '.length)) : undefined;
  return {
    privateDir: paths.dir,
    ...(config.kernel ? { kernel: fileRef(config.kernel) } : {}),
    ...(config.initrd ? { initrd: fileRef(config.initrd) } : {}),
    ...(incoming ? { incoming: fileRef(incoming) } : {}),
    fwCfg: (config.fwCfg ?? []).map((blob) => ({ name: blob.name, path: fwCfgPath(paths as MachinePaths, blob.name), base64: Buffer.from(blob.data).toString('base64') })),
  };
}

const hashes = new Map<string, string>();

function fileRef(file: string): FileRef {
  let key = file;
  try {
    key = `${file}\u0000${fs.statSync(file).mtimeMs}`;
  } catch {
    return { path: file, sha256: '' };
  }
  if (!hashes.has(key)) hashes.set(key, sha256File(file));
  return { path: file, sha256: hashes.get(key)! };
}

/** A shell word as shellWord writes it, back to the string. */
function unquote(word: string): string {
  return word.startsWith("'") && word.endsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word;
}

const CONSOLE_LIMIT = 1024 * 1024;

/** Writes the iteration's flight files (each complete or absent: written aside, fsync'd, renamed) and says where they are. */
export function writeFlight(files: RunFiles, build: string, iteration: number, data: FlightData): FlightFiles {
  fs.mkdirSync(files.flightDir, { recursive: true });
  const stem = `${build.replace(/[^A-Za-z0-9._-]/g, '_')}.${iteration}`;
  const relative = (name: string) => path.join(path.basename(files.flightDir), name);
  const command: FlightCommand = { argv: data.argv, env: data.env ?? {}, ...data.launch };
  const written = {
    qmp: put(files.flightDir, `${stem}.qmp.jsonl.gz`, zlib.gzipSync(data.transcript.toJsonl())),
    command: put(files.flightDir, `${stem}.command.json`, Buffer.from(JSON.stringify(command, null, 2) + '\n')),
    console: put(files.flightDir, `${stem}.console.log.gz`, zlib.gzipSync(data.console.slice(-CONSOLE_LIMIT))),
    output: put(files.flightDir, `${stem}.qemu-output.log.gz`, zlib.gzipSync(data.output)),
    ...(data.vcpus
      ? {
          registers: put(files.flightDir, `${stem}.registers.txt.gz`, zlib.gzipSync(data.vcpus.registers)),
          pages: put(files.flightDir, `${stem}.pages.json.gz`, zlib.gzipSync(JSON.stringify(data.vcpus.pages, null, 1))),
        }
      : {}),
  };
  return {
    qmp: relative(written.qmp),
    command: relative(written.command),
    console: relative(written.console),
    output: relative(written.output),
    ...(written.registers ? { registers: relative(written.registers) } : {}),
    ...(written.pages ? { pages: relative(written.pages) } : {}),
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
  writeFileWhole(path.join(dir, name), data);
  return name;
}
