import fs from 'node:fs';
import path from 'node:path';
import { SlotlabError } from '../errors.js';
import type { PatchProvenance } from './build-types.js';
import { sha256File } from './provenance.js';

export class PatchSeriesError extends SlotlabError {
  constructor(seriesFile: string, detail: string) {
    super('PATCH_SERIES', `${seriesFile}: ${detail}; fix the series file (one patch file name per line, # for comments)`);
  }
}

export interface SeriesPatch extends PatchProvenance {
  file: string;
}

/** Patch file names from a quilt-style series text: one per line, `#` comments and blank lines ignored. */
export function parseSeries(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [name, ...options] = line.split(/\s+/);
      if (options.length > 0 && !(options.length === 1 && options[0] === '-p1')) {
        throw new Error(`'${line}': only -p1 patches are supported`);
      }
      return name!;
    });
}

/** The patches of `variantDir/series` in order, each checked to exist and hashed. */
export function readSeries(variantDir: string): SeriesPatch[] {
  const seriesFile = path.join(variantDir, 'series');
  if (!fs.existsSync(seriesFile)) throw new PatchSeriesError(seriesFile, 'missing');
  let names: string[];
  try {
    names = parseSeries(fs.readFileSync(seriesFile, 'utf8'));
  } catch (error) {
    throw new PatchSeriesError(seriesFile, (error as Error).message);
  }
  const seen = new Set<string>();
  return names.map((name) => {
    if (name.includes('/') || name.startsWith('.')) throw new PatchSeriesError(seriesFile, `'${name}' must be a file name in ${variantDir}`);
    if (seen.has(name)) throw new PatchSeriesError(seriesFile, `'${name}' is listed twice`);
    seen.add(name);
    const file = path.join(variantDir, name);
    if (!fs.existsSync(file)) throw new PatchSeriesError(seriesFile, `lists '${name}', which does not exist`);
    return { name, file, sha256: sha256File(file) };
  });
}
