import type { LiveReporter } from './reporter.js';

/** What every reporter says on stderr: boot retries and notices. */
export function notesReporter(stream: NodeJS.WritableStream = process.stderr): LiveReporter {
  return {
    bootRetry: (lost, attempt, of) => {
      const why = lost.error!.message.split('\n')[0]!.replace(/\.$/, '');
      stream.write(`slotlab: ${lost.build.name} #${lost.iteration}: ${why}; booting it again (attempt ${attempt} of ${of})\n`);
    },
    notice: (message) => stream.write(`slotlab: ${message}\n`),
  };
}
