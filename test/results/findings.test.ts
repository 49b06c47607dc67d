// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { FindingError, allowedEvents, findingById, findingsDir, loadFindings, matchesFinding } from '../../orchestrator/results/findings.js';
import { repoRoot } from '../../orchestrator/paths.js';
import { tempDir } from '../fixtures/temp-dir.js';

const findings = loadFindings();

t.test('every finding file is valid, named by its id, and listed in the index with its status and bound', async (t) => {
  t.ok(findings.length >= 5, `${findings.length} findings`);
  const index = fs.readFileSync(path.join(findingsDir(), 'README.md'), 'utf8');
  for (const finding of findings) {
    t.match(index, `| [${finding.id}](${finding.id}.json) | ${finding.status} | ${finding.bound.events} per ${finding.bound.per} |`, `${finding.id} in the index`);
    if (finding.status !== 'open') t.ok(finding.resolution, `${finding.id}: a ${finding.status} finding says what explains or fixed it`);
  }
  t.equal((index.match(/^\| \[/gm) ?? []).length, findings.length, 'no row for a finding that has no file');
  t.match(fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), 'results/findings/', "the README links the findings' index");
});

t.test('every record a finding names as evidence is in the repository', async (t) => {
  for (const finding of findings) {
    for (const evidence of finding.evidence.filter((each) => each.record)) t.ok(fs.existsSync(path.join(repoRoot, evidence.record!)), `${finding.id}: ${evidence.record}`);
  }
});

t.test('the evidence records show the event the finding names', async (t) => {
  // Each record file a finding cites holds at least one record with the finding's signature, in one of its cells.
  for (const finding of findings) {
    for (const evidence of finding.evidence.filter((each) => each.record?.endsWith('.jsonl'))) {
      const records = fs.readFileSync(path.join(repoRoot, evidence.record!), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { outcome: string; mutationsAttempted: number; failure: { emulationFailure: boolean; runState: string } | null; build: { name: string } });
      t.ok(records.some((record) => matchesFinding(finding, record)), `${finding.id}: ${evidence.record} has a ${finding.signature.outcomes.join(' or ')} record`);
    }
  }
});

t.test('a signature matches only its event; the bound scales with the sample, rounded down', async (t) => {
  const lostByEmulation = { outcome: 'guest-lost', mutationsAttempted: 5, failure: { emulationFailure: true, runState: 'internal-error' } };
  const reset = { outcome: 'guest-lost', mutationsAttempted: 5, failure: { emulationFailure: false, runState: 'qemu-exited (exit code 0, guest-reset)' } };
  const hang = { outcome: 'error', mutationsAttempted: 0, failure: null };
  const blocker = findingById('blocker-pam-guest-6.12-stock');
  t.ok(matchesFinding(blocker, lostByEmulation));
  t.notOk(matchesFinding(blocker, reset), 'a guest reset is not a loss by emulation failure');
  t.ok(matchesFinding(findingById('l2-silent-guest-reset'), reset));
  t.ok(matchesFinding(findingById('l2-boot-hang'), hang));
  t.notOk(matchesFinding(findingById('l2-boot-hang'), { ...hang, mutationsAttempted: 3 }), 'an error after mutating is no boot hang');
  t.same([1, 2, 3, 4].map((n) => allowedEvents(blocker, n)), [0, 1, 1, 2], 'one per two');
});

t.test('a bad finding file, or an unknown id, is one clear error saying what to do', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'wrong-name.json'), JSON.stringify({ ...findings[0], id: 'right-name' }));
  t.throws(() => loadFindings(dir), { code: 'FINDING_INVALID', message: /its id is right-name; name the file right-name\.json/ });
  fs.writeFileSync(path.join(dir, 'wrong-name.json'), JSON.stringify({ id: 'wrong-name' }));
  t.throws(() => loadFindings(dir), /wrong-name\.json: title: .*fix the file/);
  fs.writeFileSync(path.join(dir, 'wrong-name.json'), '{');
  t.throws(() => loadFindings(dir), { code: 'FINDING_INVALID', message: /wrong-name\.json: not readable as JSON/ });
  t.throws(() => findingById('no-such-finding'), new FindingError(`no finding no-such-finding in ${findingsDir()}; add results/findings/no-such-finding.json before a test names it`));
});
