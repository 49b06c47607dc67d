import { ProgressDisplay } from './progress-display.js';
import type { LiveReporter } from './reporter.js';

/** Where the records go, then per cell iterations done, losses so far and an ETA (redrawn on a terminal, a line per iteration elsewhere). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): LiveReporter {
  let display: ProgressDisplay | undefined;
  return {
    runStarted: ({ files, suite, items, remaining, previous }) => {
      stream.write(`slotlab: ${remaining.length} of ${items.length} iterations of ${suite} to run; records -> ${files.records}\n`);
      display = new ProgressDisplay(suite, items, stream);
      for (const record of previous) display.record(record, true);
    },
    iteration: (record) => display?.record(record),
  };
}
