// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { parseShard, readCampaign, shardGroups, writeCampaign } from '../../orchestrator/campaign/campaign-file.js';
import { githubWorkflow, gitlabPipeline } from '../../orchestrator/campaign/ci-definitions.js';
import { makeCampaign, splitIntoShards } from '../../orchestrator/campaign/make-campaign.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { slotlab } from '../fixtures/cli.js';
import { sampleRecord } from '../fixtures/records.js';
import { tempDir } from '../fixtures/temp-dir.js';

const input = (shards: number) => ({
  suites: [loadSuite('pam-qmp'), loadSuite('control-idle')],
  builds: ['7.2-stock', '7.2-paused-vcpu'],
  kernels: [],
  overrides: { repetitions: 3 },
  seed: 100,
  shards,
  createdAt: '2026-12-06T00:00:00.000Z',
});

t.test('the items: suites x kernels x repetitions x builds, seeds as `slotlab run --seed` gives them, every item in one shard', async (t) => {
  const campaign = makeCampaign(input(3));
  t.equal(campaign.items.length, 2 * 3 * 2);
  // slotlab run interleaves builds per repetition: seed + iteration * builds + build index.
  t.same(
    campaign.items.filter((item) => item.suite === 'pam-qmp').map((item) => [item.build, item.iteration, item.seed]),
    [['7.2-stock', 0, 100], ['7.2-paused-vcpu', 0, 101], ['7.2-stock', 1, 102], ['7.2-paused-vcpu', 1, 103], ['7.2-stock', 2, 104], ['7.2-paused-vcpu', 2, 105]],
  );
  t.same(campaign.items.map((item) => item.index), [...Array(12).keys()]);
  t.ok(campaign.items.every((item) => item.shard >= 1 && item.shard <= 3 && item.kernel === null));
  t.match(campaign.id, /^c-[0-9a-f]{16}$/);
  t.equal(makeCampaign({ ...input(3), createdAt: '2027-01-01T00:00:00.000Z' }).id, campaign.id, 'the same campaign planned again: the same id and split');
  t.same(makeCampaign(input(3)).items, campaign.items);
  t.not(makeCampaign({ ...input(3), seed: 101 }).id, campaign.id);
  t.not(makeCampaign(input(2)).id, campaign.id);
  const kernels = makeCampaign({ ...input(2), kernels: ['6.1-stock', '6.1-atomic-ioctl'] });
  t.equal(kernels.items.length, 24, 'every item once per kernel');
  t.same([...new Set(kernels.items.map((item) => item.kernel))], ['6.1-stock', '6.1-atomic-ioctl']);
});

t.test('the split: longest first to the least loaded shard, deterministic, balanced', async (t) => {
  t.same(splitIntoShards([{ expectedSeconds: 5 }, { expectedSeconds: 9 }, { expectedSeconds: 4 }, { expectedSeconds: 3 }, { expectedSeconds: 3 }], 2), [2, 1, 2, 1, 2], '9 | 5, then 4 to the 5 (9), 3 to the 9 (12), 3 to 9: 12 | 12');
  t.same(splitIntoShards([{ expectedSeconds: 1 }, { expectedSeconds: 1 }, { expectedSeconds: 1 }], 3), [1, 2, 3], 'ties go to the lower shard and index');
  t.same(splitIntoShards([{ expectedSeconds: 1 }], 4), [1], 'more shards than items: the rest stay empty');
  const history = [0, 1, 2].map((iteration) => sampleRecord({ iteration, suite: { name: 'pam-qmp', file: 'x', sha256: 'a'.repeat(64) }, build: { ...sampleRecord().build, name: '7.2-stock' }, durationMs: 500_000 }));
  const measured = makeCampaign({ ...input(2), history });
  t.equal(measured.estimate, 'earlier-runs');
  t.ok(measured.items.filter((item) => item.suite === 'pam-qmp' && item.build === '7.2-stock').every((item) => item.expectedSeconds === 500), 'earlier runs of the cell: their mean');
  const stockShards = new Set(measured.items.filter((item) => item.expectedSeconds === 500).map((item) => item.shard));
  t.same([...stockShards].sort(), [1, 2], 'the long items spread over both shards');
});

t.test('the campaign file: written whole, read back, checked; --shard i/N checked against it', async (t) => {
  const dir = tempDir(t);
  const campaign = makeCampaign(input(3));
  const file = path.join(dir, 'c.json');
  writeCampaign(file, campaign);
  t.same(readCampaign(file), campaign);
  t.same(fs.readdirSync(dir), ['c.json'], 'no temporary file left');
  t.equal(parseShard('2/3', campaign), 2);
  t.throws(() => parseShard('2/4', campaign), /split into 3 shards, not 4/);
  t.throws(() => parseShard('4/3', campaign), /shards are numbered 1 to 3/);
  t.throws(() => parseShard('two', campaign), /give i\/N, e\.g\. --shard 2\/3/);
  fs.writeFileSync(file, JSON.stringify({ ...campaign, shards: 0 }));
  t.throws(() => readCampaign(file), /field shards: .*write it again with `slotlab plan`/);
  fs.writeFileSync(file, '{');
  t.throws(() => readCampaign(file), /not readable as JSON/);
});

t.test("a shard's runs: one per (suite, kernel) group, the shard's items only, their seeds, the campaign named in the plan", async (t) => {
  const campaign = makeCampaign(input(3));
  const all = [1, 2, 3].flatMap((shard) => shardGroups(campaign, shard).flatMap((group) => group.plan.items.map((item) => `${group.plan.loaded.suite.name}/${item.build}#${item.iteration}@${item.seed}`)));
  t.equal(all.length, 12);
  t.equal(new Set(all).size, 12, 'shards are disjoint and cover the campaign');
  const whole = shardGroups(campaign, 0);
  t.same(whole.map((group) => group.plan.loaded.suite.name), ['pam-qmp', 'control-idle']);
  t.same(whole[0]!.plan.items.map((item) => item.seed), [100, 101, 102, 103, 104, 105]);
  t.same(whole[0]!.plan.campaign, { id: campaign.id, shard: 0, shards: 3, kernel: null, items: ['7.2-stock#0', '7.2-paused-vcpu#0', '7.2-stock#1', '7.2-paused-vcpu#1', '7.2-stock#2', '7.2-paused-vcpu#2'] });
  t.equal(whole[0]!.kernel, undefined);
  const changed = { ...campaign, suites: campaign.suites.map((suite) => ({ ...suite, sha256: '0'.repeat(64) })) };
  t.throws(() => shardGroups(changed, 1), /changed since campaign c-[0-9a-f]+ was planned .*check out the commit the campaign was planned at/);
});

t.test('CI definitions: a GitHub matrix over the shards and a GitLab parallel job, each running its shard and keeping its runs, then a merge', async (t) => {
  const campaign = makeCampaign(input(3));
  const github = parseYaml(githubWorkflow(campaign, { campaign: 'campaigns/c.json' }));
  t.same(github.jobs.shard.strategy.matrix.shard, [1, 2, 3]);
  t.ok(github.jobs.shard.steps.some((step: { run?: string }) => step.run === 'node dist/orchestrator/cli/main.js run --campaign campaigns/c.json --shard ${{ matrix.shard }}/3 --reporter progress'));
  t.ok(github.jobs.shard.steps.some((step: { uses?: string; with?: { path?: string } }) => step.uses?.startsWith('actions/upload-artifact') && step.with?.path === 'shard-runs/${{ matrix.shard }}'));
  t.equal(github.jobs.merge.needs, 'shard');
  t.ok(github.jobs.merge.steps.some((step: { run?: string }) => step.run === 'node dist/orchestrator/cli/main.js merge shard-runs/* --campaign campaigns/c.json --into merged'));
  t.ok(github.jobs.merge.steps.some((step: { run?: string }) => /report merged --format kcidb/.test(step.run ?? '')));
  const gitlab = parseYaml(gitlabPipeline(campaign, { campaign: 'campaigns/c.json' }));
  t.equal(gitlab['slotlab-shard'].parallel, 3);
  t.ok(gitlab['slotlab-shard'].script.includes('node dist/orchestrator/cli/main.js run --campaign campaigns/c.json --shard $CI_NODE_INDEX/$CI_NODE_TOTAL --reporter progress'));
  t.same(gitlab['slotlab-shard'].artifacts, { when: 'always', paths: ['shard-runs/'] });
  t.same(gitlab['slotlab-merge'].needs, ['slotlab-shard']);
});

t.test('slotlab plan: prints the items and shards, writes the campaign and both CI files; bad input is one clear error', async (t) => {
  const dir = tempDir(t);
  const result = await slotlab(['plan', 'pam-qmp', '--build', '7.2-stock', '--repetitions', '4', '--shards', '2', '--seed', '9', '--output', dir]);
  t.equal(result.exitCode, 0, String(result.stderr));
  t.match(result.stdout, /^campaign c-[0-9a-f]{16}: 4 iterations, seed 9, 2 shards/);
  t.match(result.stdout, /^shard 1\/2: 2 iterations, \d+(\.\d)? s expected$/m);
  t.match(result.stdout, /^1  pam-qmp  7\.2-stock  host  0  9  /m);
  const files = fs.readdirSync(dir).sort();
  t.match(files, [/^c-[0-9a-f]{16}\.campaign\.json$/, 'github-workflow.yml', 'gitlab-ci.yml']);
  const cases: [string[], RegExp][] = [
    [['plan', '--build', '7.2-stock', '--shards', '2', '--output', dir], /plan needs at least one suite/],
    [['plan', 'pam-qmp', '--shards', '2', '--output', dir], /plan needs at least one --build/],
    [['plan', 'pam-qmp', '--build', '7.2-stock', '--output', dir], /plan needs --shards N/],
    [['plan', 'pam-qmp', '--build', '7.2-stock', '--shards', '2'], /plan needs --output DIR/],
    [['plan', 'pam-qmp', '--build', '7.2-stock', '--shards', '0', '--output', dir], /--shards needs a positive integer, not '0'/],
    [['plan', 'pam-qmp', '--build', '7.2-stock', '--repetitions', '1', '--shards', '5', '--output', dir], /--shards 5 over 1 iteration\(s\): a shard needs at least one iteration; use --shards 1 or fewer/],
    [['plan', 'nope', '--build', '7.2-stock', '--shards', '2', '--output', dir], /nope/],
    [['plan', 'pam-qmp', '--build', '7.2-stock', '--kernel', '6.1-nope', '--shards', '2', '--output', dir], /6\.1-nope/],
    [['plan', 'pam-qmp', '--build', '7.2-stock', '--kernel', '/bin/sh', '--shards', '2', '--output', dir], /--kernel \/bin\/sh: a campaign runs on other machines, so it takes a built-in kernel/],
    [['run', '--campaign', path.join(dir, 'missing.json')], /missing\.json: not readable as JSON \(ENOENT\)/],
    [['run', '--shard', '1/2'], /--shard i\/N names a shard of a campaign: use it with --campaign FILE/],
    [['run', 'pam-qmp', '--campaign', path.join(dir, files[0]!)], /--campaign takes suites, builds, kernels and limits from its file/],
    [['run', '--campaign', path.join(dir, files[0]!), '--shard', '3/2'], /shards are numbered 1 to 2/],
  ];
  for (const [args, message] of cases) {
    const bad = await slotlab(args);
    t.equal(bad.exitCode, 2, args.join(' '));
    t.match(bad.stderr, message);
  }
});
