import fs from 'node:fs';
import path from 'node:path';

/**
 * Every test file says its tier on its first line (`// tier: unit`): what it needs of the machine.
 * `npm run test:unit` runs the unit tier alone; `.ci/run` says where each tier ran and
 * `npm run bench -- setup` what each took in the last run.
 */
export const TIERS = {
  unit: 'no QEMU, no KVM, no root, no network (node, git and the packages setup installed are fine)',
  build: "the cache's sources and builds, or root and Debian's archive (apt, downloads)",
  host: 'real QEMU on this host: KVM where /dev/kvm runs a guest',
  nested: 'kernels under test booted as L1 (under TCG on a host without SVM or VMX)',
} as const;

export type Tier = keyof typeof TIERS;

const MARKER = /^\/\/ tier: ([a-z]+)\n/;

/** The tier a test file's first line names, or undefined when it names none (or one that is not a tier). */
export function tierOf(text: string): Tier | undefined {
  const name = MARKER.exec(text)?.[1];
  return name !== undefined && name in TIERS ? (name as Tier) : undefined;
}

/** Every test file under `dir`, relative to the repository, sorted. */
export function testFiles(root: string, dir = 'test'): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(path.join(root, at), { withFileTypes: true })) {
      const relative = path.join(at, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.test.ts')) found.push(relative);
    }
  };
  walk(dir);
  return found.sort();
}

/** Each test file's time in the last tap run (its `.tap/test-results/<file>.tap`, `# time=`), with its tier. */
export function lastRunTimes(root: string): { file: string; tier: Tier | 'unmarked'; seconds: number }[] {
  const results = path.join(root, '.tap', 'test-results');
  return testFiles(root).flatMap((file) => {
    const tap = path.join(results, `${file}.tap`);
    if (!fs.existsSync(tap)) return [];
    const times = [...fs.readFileSync(tap, 'utf8').matchAll(/^# time=([\d.]+)ms$/gm)];
    const last = times.at(-1);
    if (!last) return [];
    return [{ file, tier: tierOf(fs.readFileSync(path.join(root, file), 'utf8')) ?? 'unmarked', seconds: Number(last[1]) / 1000 }];
  });
}

/** The suite's time split by tier (seconds, files), from lastRunTimes. */
export function tierTable(times: ReturnType<typeof lastRunTimes>): string {
  const tiers = [...Object.keys(TIERS), 'unmarked'] as (Tier | 'unmarked')[];
  const rows = tiers
    .map((tier) => {
      const of = times.filter((entry) => entry.tier === tier);
      return { tier, files: of.length, seconds: of.reduce((sum, entry) => sum + entry.seconds, 0) };
    })
    .filter((row) => row.files > 0);
  const total = rows.reduce((sum, row) => sum + row.seconds, 0);
  return [
    'tier     files  seconds  share',
    ...rows.map((row) => `${row.tier.padEnd(7)}  ${String(row.files).padStart(5)}  ${row.seconds.toFixed(1).padStart(7)}  ${total > 0 ? `${Math.round((100 * row.seconds) / total)}%` : '-'}`),
    `total    ${String(times.length).padStart(5)}  ${total.toFixed(1).padStart(7)}`,
  ].join('\n');
}
