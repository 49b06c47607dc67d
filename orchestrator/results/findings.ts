import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SlotlabError } from '../errors.js';
import { repoRoot } from '../paths.js';

/**
 * A finding: an event on a build that should not show it (a loss, a stall, a livelock on a
 * fixed build, an environment's own derailment) that is not yet a fixed defect. One JSON file
 * per finding in `results/findings/`; a test may accept such an event only by naming the
 * finding, within its bound.
 */
export const findingSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/),
    title: z.string().min(1),
    status: z.enum(['open', 'explained', 'fixed']),
    /** explained: what explains it (its environment, say); fixed: the commit and the test that fails without it. */
    resolution: z.string().optional(),
    /** The cells it was seen in: `build @ kernel (paging)` as tables name them, with the suite. */
    cells: z.array(z.object({ suite: z.string(), cell: z.string() })).min(1),
    /** What the event looks like in a record; a test accepts only records that match. */
    signature: z
      .object({
        /** The outcomes the event shows as (one event may be classified several ways, e.g. a vCPU drifting or stuck). */
        outcomes: z.array(z.enum(['guest-lost', 'stalled', 'livelock', 'error', 'survived'])).min(1),
        emulationFailure: z.boolean().optional(),
        /** A regular expression over failure.runState. */
        runState: z.string().optional(),
        /** The iteration ended before its first mutation (an L2 boot that never came up). */
        beforeMutating: z.boolean().optional(),
      })
      .strict(),
    /** How many such events a test may accept: at most `events` per `per` iterations of the cell (rounded down). */
    bound: z.object({ events: z.number().int().min(0), per: z.number().int().min(1) }).strict(),
    /** Records and flight files in the repository (paths from its root), and what was seen in them. */
    evidence: z.array(z.object({ record: z.string().optional(), seen: z.string() }).strict()).min(1),
    /** What would settle it: the experiment, its controls and where it must run. */
    experiment: z.string().min(1),
  })
  .strict();
export type Finding = z.infer<typeof findingSchema>;

export class FindingError extends SlotlabError {
  constructor(message: string) {
    super('FINDING_INVALID', message);
  }
}

export const findingsDir = () => path.join(repoRoot, 'results', 'findings');

/** Every finding in the folder, validated; a file whose name is not its id is refused. */
export function loadFindings(dir = findingsDir()): Finding[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      let json: unknown;
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (caught) {
        throw new FindingError(`${file}: not readable as JSON (${(caught as Error).message}); fix the file`);
      }
      const parsed = findingSchema.safeParse(json);
      if (!parsed.success) throw new FindingError(`${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}; fix the file (orchestrator/results/findings.ts has its schema)`);
      if (`${parsed.data.id}.json` !== name) throw new FindingError(`${file}: its id is ${parsed.data.id}; name the file ${parsed.data.id}.json`);
      return parsed.data;
    });
}

export function findingById(id: string, dir = findingsDir()): Finding {
  const found = loadFindings(dir).find((finding) => finding.id === id);
  if (!found) throw new FindingError(`no finding ${id} in ${dir}; add results/findings/${id}.json before a test names it`);
  return found;
}

/** Whether a record shows the finding's event. */
export function matchesFinding(
  finding: Finding,
  record: { outcome: string; mutationsAttempted: number; failure: { emulationFailure: boolean; runState: string } | null },
): boolean {
  const { signature } = finding;
  if (!(signature.outcomes as readonly string[]).includes(record.outcome)) return false;
  if (signature.emulationFailure !== undefined && record.failure?.emulationFailure !== signature.emulationFailure) return false;
  if (signature.runState !== undefined && !new RegExp(signature.runState).test(record.failure?.runState ?? '')) return false;
  if (signature.beforeMutating !== undefined && (record.mutationsAttempted === 0) !== signature.beforeMutating) return false;
  return true;
}

/** How many events the bound allows in a sample of `iterations`. */
export function allowedEvents(finding: Finding, iterations: number): number {
  return Math.floor((finding.bound.events * iterations) / finding.bound.per);
}
