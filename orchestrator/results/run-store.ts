import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import { runsDir } from '../paths.js';
import type { IterationRecord } from './record.js';
import { writeFileWhole } from './write-whole.js';
import { type TornLine, readRecordFile } from './record-writer.js';
import { type RunManifest, runManifestSchema } from './run-manifest.js';

export class RunNotFoundError extends SlotlabError {
  constructor(idOrPath: string) {
    super('RUN_NOT_FOUND', `no run '${idOrPath}' in ${runsDir()}; give a run id from \`ls ${runsDir()}\` or the path of its .jsonl file`);
  }
}

export interface RunFiles {
  runId: string;
  records: string;
  manifest: string;
  /** Each iteration's flight recording (QMP transcript, QEMU command line, console), beside the records. */
  flightDir: string;
}

export function runFiles(runId: string, dir = runsDir()): RunFiles {
  return { runId, records: path.join(dir, `${runId}.jsonl`), manifest: path.join(dir, `${runId}.manifest.json`), flightDir: path.join(dir, runId) };
}

/** The runs in a folder (a runs directory, a CI job's artifact, a merged campaign): each `<run-id>.jsonl` or `<run-id>.manifest.json`, sorted by run id. */
export function runsInFolder(dir: string): RunFiles[] {
  const ids = new Set(
    fs
      .readdirSync(dir)
      .filter((name) => /\.(jsonl|manifest\.json)$/.test(name))
      .map((name) => name.replace(/\.(jsonl|manifest\.json)$/, '')),
  );
  return [...ids].sort().map((runId) => runFiles(runId, dir));
}

/** A run id, the path of a run's .jsonl or .manifest.json file, or a folder of runs: every run it names. */
export function readRuns(idPathOrFolder: string): StoredRun[] {
  const asPath = path.resolve(idPathOrFolder);
  if (fs.existsSync(asPath) && fs.statSync(asPath).isDirectory() && !fs.existsSync(runFiles(idPathOrFolder).records)) {
    const found = runsInFolder(asPath);
    if (found.length === 0) throw new SlotlabError('RUN_NOT_FOUND', `${idPathOrFolder} is a folder without runs (no <run-id>.jsonl or .manifest.json in it); give a runs folder, a run id or a record file`);
    return found.map(readRunFiles);
  }
  return [readRun(idPathOrFolder)];
}

/** A run id, or the path of a run's .jsonl or .manifest.json file. */
export function locateRun(idOrPath: string): RunFiles {
  const asPath = path.resolve(idOrPath);
  if (/\.(jsonl|manifest\.json)$/.test(idOrPath) && fs.existsSync(asPath)) {
    const runId = path.basename(asPath).replace(/\.(jsonl|manifest\.json)$/, '');
    return runFiles(runId, path.dirname(asPath));
  }
  const files = runFiles(idOrPath);
  if (!fs.existsSync(files.records) && !fs.existsSync(files.manifest)) throw new RunNotFoundError(idOrPath);
  return files;
}

export { writeFileWhole };

export function writeManifest(files: RunFiles, manifest: RunManifest): void {
  writeFileWhole(files.manifest, JSON.stringify(manifest, null, 2) + '\n');
}

export function readManifest(files: RunFiles): RunManifest | undefined {
  if (!fs.existsSync(files.manifest)) return undefined;
  const result = runManifestSchema.safeParse(JSON.parse(fs.readFileSync(files.manifest, 'utf8')));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new SlotlabError('BAD_MANIFEST', `${files.manifest}: field ${issue.path.join('.')}: ${issue.message}; the manifest was edited or is from another tool`);
  }
  return result.data;
}

/** Synchronous, so a signal handler can use it. */
export function setRunStatus(files: RunFiles, status: RunManifest['status']): void {
  const manifest = readManifest(files);
  if (manifest) writeManifest(files, { ...manifest, status, endedAt: new Date().toISOString() });
}

export interface StoredRun {
  files: RunFiles;
  manifest: RunManifest | undefined;
  records: IterationRecord[];
  truncatedTail: boolean;
  /** Torn fragments of interrupted writes, left out (see tornNotes). */
  torn: TornLine[];
}

export function readRun(idOrPath: string): StoredRun {
  return readRunFiles(locateRun(idOrPath));
}

function readRunFiles(files: RunFiles): StoredRun {
  const { records, truncatedTail, torn } = fs.existsSync(files.records) ? readRecordFile(files.records) : { records: [], truncatedTail: false, torn: [] };
  return { files, manifest: readManifest(files), records, truncatedTail, torn };
}
