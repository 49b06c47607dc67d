import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { type ProcessFailure, ProcessError, noProcess, processFailure } from '../errors.js';

export class PrivateAptError extends ProcessError {
  constructor(step: string, failure: ProcessFailure) {
    super('PRIVATE_APT_FAILED', `${step} failed:\n${failure.outputTail}\nCheck that Debian's archive is reachable from this host, then retry.`, failure);
  }
}

interface ArchiveSource {
  uri: string;
  signedBy: string | undefined;
}

/**
 * Finds the URI the system already uses for Debian `bookworm` main, so the
 * private configuration talks to the same mirror without naming one itself.
 */
export function systemDebianSource(etcApt = '/etc/apt'): ArchiveSource {
  const files: string[] = [];
  const listDir = path.join(etcApt, 'sources.list.d');
  if (fs.existsSync(path.join(etcApt, 'sources.list'))) files.push(path.join(etcApt, 'sources.list'));
  if (fs.existsSync(listDir)) for (const name of fs.readdirSync(listDir).sort()) files.push(path.join(listDir, name));
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const found = file.endsWith('.sources') ? fromDeb822(text) : file.endsWith('.list') ? fromOneLine(text) : undefined;
    if (found) return found;
  }
  throw new PrivateAptError('finding the Debian archive in /etc/apt', noProcess('no `deb` source for suite bookworm, component main'));
}

function fromDeb822(text: string): ArchiveSource | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
    const suites = field('Suites')?.split(/\s+/) ?? [];
    const components = field('Components')?.split(/\s+/) ?? [];
    const types = field('Types')?.split(/\s+/) ?? [];
    const uri = field('URIs')?.split(/\s+/)[0];
    if (uri && types.includes('deb') && suites.includes('bookworm') && components.includes('main')) {
      return { uri, signedBy: field('Signed-By') };
    }
  }
  return undefined;
}

function fromOneLine(text: string): ArchiveSource | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const match = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+bookworm\s+(.*)$/.exec(line);
    if (match && match[3]!.split(/\s+/).includes('main')) {
      const signedBy = /signed-by=(\S+)/.exec(match[1] ?? '')?.[1];
      return { uri: match[2]!, signedBy };
    }
  }
  return undefined;
}

/**
 * An apt configuration, sources and lists of slotlab's own under `dir`: the
 * system's sources, lists and installed packages are never touched.
 */
export class PrivateApt {
  readonly configFile: string;

  constructor(
    readonly dir: string,
    readonly suite: string,
    withSources = false,
    source: ArchiveSource = systemDebianSource(),
  ) {
    for (const sub of ['etc/sources.list.d', 'etc/preferences.d', 'lists/partial', 'cache/archives/partial']) {
      fs.mkdirSync(path.join(dir, sub), { recursive: true });
    }
    const options = source.signedBy ? `[signed-by=${source.signedBy}] ` : '';
    const lines = [`deb ${options}${source.uri} ${suite} main`];
    if (withSources) lines.push(`deb-src ${options}${source.uri} ${suite} main`);
    fs.writeFileSync(path.join(dir, 'etc/sources.list'), lines.join('\n') + '\n');
    this.configFile = path.join(dir, 'etc/apt.conf');
    fs.writeFileSync(
      this.configFile,
      [
        `Dir::Etc::SourceList "${path.join(dir, 'etc/sources.list')}";`,
        `Dir::Etc::SourceParts "${path.join(dir, 'etc/sources.list.d')}";`,
        `Dir::Etc::Preferences "${path.join(dir, 'etc/preferences')}";`,
        `Dir::Etc::PreferencesParts "${path.join(dir, 'etc/preferences.d')}";`,
        `Dir::State::Lists "${path.join(dir, 'lists')}";`,
        `Dir::Cache "${path.join(dir, 'cache')}";`,
        `APT::Sandbox::User "root";`,
        '',
      ].join('\n'),
    );
  }

  private async apt(step: string, command: string, args: string[], cwd?: string): Promise<string> {
    const result = await execa(command, args, {
      env: { APT_CONFIG: this.configFile, DEBIAN_FRONTEND: 'noninteractive' },
      cwd,
      reject: false,
      all: true,
      stdin: 'ignore',
    });
    if (result.exitCode !== 0) throw new PrivateAptError(step, processFailure(result));
    return result.stdout;
  }

  update(): Promise<string> {
    return this.apt(`apt-get update (private lists for ${this.suite})`, 'apt-get', ['update']);
  }

  /** The candidate version of `pkg` in this configuration's suite. */
  async candidate(pkg: string): Promise<string | undefined> {
    const out = await this.apt(`apt-cache policy ${pkg}`, 'apt-cache', ['policy', pkg]);
    const version = /Candidate:\s*(\S+)/.exec(out)?.[1];
    return version && version !== '(none)' ? version : undefined;
  }

  /** Fetches and unpacks source package `pkg` (apt-get source) into `into`. */
  async source(pkg: string, into: string): Promise<void> {
    fs.mkdirSync(into, { recursive: true });
    await this.apt(`apt-get source ${pkg}`, 'apt-get', ['source', pkg], into);
  }

  /** Downloads `pkg=version` .debs into `into` and returns their paths. */
  async download(packages: string[], into: string): Promise<string[]> {
    fs.mkdirSync(into, { recursive: true });
    await this.apt(`apt-get download ${packages.join(' ')}`, 'apt-get', ['download', ...packages], into);
    return fs.readdirSync(into).filter((name) => name.endsWith('.deb')).map((name) => path.join(into, name));
  }
}

/** Unpacks a .deb's files (not its scripts) under `root`. */
export async function extractDeb(deb: string, root: string): Promise<void> {
  const result = await execa('dpkg-deb', ['-x', deb, root], { reject: false, all: true });
  if (result.exitCode !== 0) throw new PrivateAptError(`dpkg-deb -x ${path.basename(deb)}`, processFailure(result));
}
