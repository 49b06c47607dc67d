import type { Campaign } from './campaign-schema.js';
import { shardTotals } from './make-campaign.js';

/** Where the generated jobs find things, relative to the repository root the CI checks out. */
export interface CiPaths {
  /** The campaign file. */
  campaign: string;
}

const CLI = 'node dist/orchestrator/cli/main.js';
/** Setup installs and builds what the shard's builds and kernels need, like `npm run demo` does; generous, since a cold runner builds QEMU and kernels first. */
const SETUP_MINUTES = 120;

/** A shard's job limit: its expected time twice over, plus a cold setup. */
export function shardTimeoutMinutes(campaign: Campaign): number {
  const longest = Math.max(...shardTotals(campaign).map((shard) => shard.expectedSeconds));
  return SETUP_MINUTES + Math.ceil((2 * longest) / 60);
}

/** A GitHub Actions workflow: a matrix job per shard on KVM runners, then one job that merges the shards' runs and publishes the reports. */
export function githubWorkflow(campaign: Campaign, paths: CiPaths): string {
  const shards = Array.from({ length: campaign.shards }, (_, index) => index + 1).join(', ');
  return `# slotlab campaign ${campaign.id}: ${campaign.items.length} iterations in ${campaign.shards} shards (written by \`slotlab plan\`).
# Shard jobs need a runner whose /dev/kvm runs guests, as root: label yours \`kvm\`.
name: slotlab campaign ${campaign.id}
on: workflow_dispatch
jobs:
  shard:
    runs-on: [self-hosted, linux, kvm]
    timeout-minutes: ${shardTimeoutMinutes(campaign)}
    strategy:
      fail-fast: false
      matrix:
        shard: [${shards}]
    env:
      SLOTLAB_RUNS_DIR: \${{ github.workspace }}/shard-runs/\${{ matrix.shard }}
    steps:
      - uses: actions/checkout@v4
      - run: npm run -s setup
      - run: ${CLI} run --campaign ${paths.campaign} --shard \${{ matrix.shard }}/${campaign.shards} --reporter progress
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: slotlab-shard-\${{ matrix.shard }}
          path: shard-runs/\${{ matrix.shard }}
  merge:
    needs: shard
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci --no-audit --no-fund && npm run -s build
      - uses: actions/download-artifact@v4
        with:
          pattern: slotlab-shard-*
          path: shard-runs
      - run: ${CLI} merge shard-runs/* --campaign ${paths.campaign} --into merged
      - run: ${CLI} report merged --format md --output merged/report.md
      - run: ${CLI} report merged --format html --output merged/report.html
      - run: ${CLI} report merged --format kcidb --source-url "\${{ github.server_url }}/\${{ github.repository }}/raw/\${{ github.sha }}" --output merged/kcidb.json
      # With credentials from KernelCI in the secret KCIDB_CREDENTIALS: pip install kcidb, then
      # GOOGLE_APPLICATION_CREDENTIALS=... kcidb-submit -p <project> -t <topic> < merged/kcidb.json
      - uses: actions/upload-artifact@v4
        with:
          name: slotlab-campaign-${campaign.id}
          path: merged
`;
}

/** A GitLab CI pipeline: one job run \`parallel: N\` times (CI_NODE_INDEX is the shard), then a merge job. */
export function gitlabPipeline(campaign: Campaign, paths: CiPaths): string {
  return `# slotlab campaign ${campaign.id}: ${campaign.items.length} iterations in ${campaign.shards} shards (written by \`slotlab plan\`).
# Shard jobs need a runner whose /dev/kvm runs guests, as root: tag yours \`kvm\`.
stages: [shards, merge]

slotlab-shard:
  stage: shards
  tags: [kvm]
  parallel: ${campaign.shards}
  timeout: ${shardTimeoutMinutes(campaign)} minutes
  variables:
    SLOTLAB_RUNS_DIR: $CI_PROJECT_DIR/shard-runs/$CI_NODE_INDEX
  script:
    - npm run -s setup
    - ${CLI} run --campaign ${paths.campaign} --shard $CI_NODE_INDEX/$CI_NODE_TOTAL --reporter progress
  artifacts:
    when: always
    paths: [shard-runs/]

slotlab-merge:
  stage: merge
  image: node:20
  when: always
  needs: [slotlab-shard]
  script:
    - npm ci --no-audit --no-fund && npm run -s build
    - ${CLI} merge shard-runs/* --campaign ${paths.campaign} --into merged
    - ${CLI} report merged --format md --output merged/report.md
    - ${CLI} report merged --format html --output merged/report.html
    - ${CLI} report merged --format kcidb --source-url "$CI_PROJECT_URL/-/raw/$CI_COMMIT_SHA" --output merged/kcidb.json
  artifacts:
    paths: [merged/]
`;
}
