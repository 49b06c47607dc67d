import type { LiveReporter } from './reporter.js';

/** At the end: every record of the run, one JSON line each (what `--json` prints). */
export function jsonReporter(stream: NodeJS.WritableStream = process.stdout): LiveReporter {
  return {
    runEnded: ({ records }) => {
      for (const record of records) stream.write(JSON.stringify(record) + '\n');
    },
  };
}
