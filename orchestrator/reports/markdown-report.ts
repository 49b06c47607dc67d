import type { ReportModel } from './report-model.js';
import { escapeMarkdownCell as escapeCell, markdownCode } from './escape.js';
import { expectationText, hostText, perMutationText, latencyText, formatInterval, formatMs, formatQuantile, lostText, verdictText } from './format.js';

export function renderMarkdown(model: ReportModel): string {
  const out = [`# ${escapeCell(model.title)}`, ''];
  out.push('| suite | build | family | lost | loss/iteration (95% CI) | loss/mutation (95% CI) | mutations to failure (median, p90) | time to failure (median) | latency p50 / p99 (QMP) or guest-measured | verdict | expected |');
  out.push('|---|---|---|---:|---|---|---|---|---|---|---|');
  for (const cell of model.cells) {
    out.push(
      '| ' +
        [
          cell.suite,
          cell.build,
          cell.family,
          lostText(cell),
          formatInterval(cell.lossPerIteration),
          perMutationText(cell),
          `${formatQuantile(cell.mutationsToFailure.median, cell.mutationsToFailure.censored)}, ${formatQuantile(cell.mutationsToFailure.p90, cell.mutationsToFailure.censored)}`,
          formatQuantile(cell.timeToFailureMs.median, cell.timeToFailureMs.censored, formatMs, cell.timeToFailureMs.notMeasured),
          latencyText(cell),
          verdictText(cell.verdict),
          expectationText(cell),
        ]
          .map(escapeCell)
          .join(' | ') +
        ' |',
    );
  }
  out.push('', '## Builds', '');
  // A build run on the host and inside a kernel under test is one binary: list it once.
  const builds = new Map(model.cells.map((cell) => [`${cell.provenance.name}\0${cell.provenance.sha256}`, cell.provenance]));
  for (const build of builds.values()) {
    out.push(`- **${escapeCell(build.name)}** (${build.family}): ${escapeCell(build.version)}; ${escapeCell(build.source)}; ${markdownCode(build.binary)}; sha256 \`${build.sha256}\``);
  }
  out.push('', '## Runs', '');
  for (const run of model.runs) {
    out.push(`- ${markdownCode(run.runId)} (${escapeCell(run.suite)}): ${escapeCell(run.startedAt)} to ${escapeCell(run.endedAt ?? '?')}, ${escapeCell(run.status)}; host ${escapeCell(hostText(run.host))}`);
  }
  if (model.cells.some((cell) => cell.detection)) {
    out.push('', 'A guest sent into the weeds (suite `weeds`) should be stopped: there "lost" counts the stopped guests, the time to failure is the time to detection, `stopped` needs every guest stopped and the upper end of the per-iteration interval of one not stopped below `safeBelow`, and one `livelock` (a vCPU re-entered without progress, with its KVM exit counters rising) is conclusive.');
  }
  out.push('', `Loss probabilities are Clopper-Pearson 95% intervals. A loss is conclusive (race); "safe" needs the upper end of the per-mutation interval below the suite's threshold (\`safeBelow\`). Quantiles are Kaplan-Meier estimates with surviving guests censored ("not reached": too few losses). Generated ${model.generatedAt}.`, '');
  return out.join('\n');
}
