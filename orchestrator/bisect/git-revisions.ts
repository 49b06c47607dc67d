import { execa } from 'execa';
import { SlotlabError } from '../errors.js';

export class GitError extends SlotlabError {
  constructor(detail: string) {
    super('GIT', detail);
  }
}

/** One commit of a bisected history. */
export interface Revision {
  sha: string;
  subject: string;
}

async function git(dir: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('git', ['-C', dir, ...args], { reject: false, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The full commit id `rev` names in the repository at `dir`. */
export async function resolveRevision(dir: string, rev: string): Promise<string> {
  const result = await git(dir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (result.exitCode !== 0) {
    const top = await git(dir, ['rev-parse', '--show-toplevel']);
    if (top.exitCode !== 0) throw new GitError(`${dir} is not a git repository (${top.stderr.trim()}); give --src the top of a QEMU git checkout`);
    throw new GitError(`'${rev}' names no commit in ${dir}; give a commit id, tag or branch (git log shows them)`);
  }
  return result.stdout.trim();
}

export async function isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await git(dir, ['merge-base', '--is-ancestor', ancestor, descendant])).exitCode === 0;
}

/**
 * `older`, then every commit on the first-parent path from it to `newer`
 * (a merge is tested as one step, as its mainline sees it).
 */
export async function firstParentRange(dir: string, older: string, newer: string): Promise<Revision[]> {
  const [from, to] = [await resolveRevision(dir, older), await resolveRevision(dir, newer)];
  if (from === to) throw new GitError(`${older} and ${newer} are the same commit; give two different ends`);
  if (!(await isAncestor(dir, from, to))) throw new GitError(`${older} is not an ancestor of ${newer}: the ends must lie on one line of history`);
  const log = await git(dir, ['log', '--first-parent', '--reverse', '--format=%H %s', `${from}..${to}`]);
  if (log.exitCode !== 0) throw new GitError(`git log ${from}..${to} failed: ${log.stderr.trim()}`);
  const subject = (await git(dir, ['log', '-1', '--format=%s', from])).stdout.trim();
  const revisions: Revision[] = [{ sha: from, subject }];
  for (const line of log.stdout.split('\n').filter(Boolean)) {
    const space = line.indexOf(' ');
    revisions.push({ sha: line.slice(0, space), subject: line.slice(space + 1) });
  }
  if (revisions.at(-1)!.sha !== to) throw new GitError(`${newer} is not on the first-parent line from ${older}; bisect from a commit on its mainline`);
  return revisions;
}
