import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { SlotlabError } from '../errors.js';
import { suitesDir } from '../paths.js';
import { type Suite, suiteSchema } from './suite-schema.js';

export class SuiteError extends SlotlabError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('BAD_SUITE', `${file}: ${detail}`);
  }
}

export interface LoadedSuite {
  suite: Suite;
  file: string;
  sha256: string;
}

/** A suite by file stem in suites/ (`pam-qmp`) or by path. */
export function suiteFile(nameOrPath: string): string {
  if (nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath)) return path.resolve(nameOrPath);
  return path.join(suitesDir, `${nameOrPath}.yaml`);
}

export function listSuites(): string[] {
  if (!fs.existsSync(suitesDir)) return [];
  return fs.readdirSync(suitesDir).filter((name) => name.endsWith('.yaml')).map((name) => name.replace(/\.yaml$/, '')).sort();
}

export function loadSuite(nameOrPath: string): LoadedSuite {
  const file = suiteFile(nameOrPath);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    const known = listSuites();
    throw new SuiteError(file, `no such suite file; name one of ${known.length ? known.join(', ') : '(none)'} or give a path to a .yaml file`);
  }
  return { suite: parseSuite(text, file), file, sha256: createHash('sha256').update(text).digest('hex') };
}

export function parseSuite(text: string, file: string): Suite {
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SuiteError(file, `not valid YAML: ${document.errors[0]!.message}`);
  }
  const result = suiteSchema.safeParse(document.toJS());
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const field = issue.path.length ? issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '') : '(top level)';
      return `field ${field}: ${issue.message}`;
    });
    throw new SuiteError(file, `${lines.join('; ')} — fix the suite file (see suites/README.md for the fields)`);
  }
  const stem = path.basename(file).replace(/\.ya?ml$/, '');
  if (result.data.name !== stem && path.dirname(file) === suitesDir) {
    throw new SuiteError(file, `field name: '${result.data.name}' must equal the file name '${stem}'`);
  }
  return result.data;
}
