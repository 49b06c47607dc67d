import { buildReport } from '../reports/report-model.js';
import { renderText } from '../reports/text-report.js';
import { renderTable } from '../reports/run-table.js';
import type { LiveReporter } from './reporter.js';

/** At the end: one row per iteration, the verdict per cell, and where the records are. */
export function tableReporter(stream: NodeJS.WritableStream = process.stdout): LiveReporter {
  return {
    runEnded: ({ files, manifest, records, kernel }) => {
      stream.write(renderTable(records) + '\n\n');
      stream.write(renderText(buildReport({ manifests: [manifest], records: [...records] })));
      if (kernel) stream.write(`\nkernel under test: ${kernel.name} (${kernel.release}), KVM_CAP_USER_MEMORY_REGION_LIST = ${kernel.listIoctl}`);
      stream.write(`\nrecords: ${files.records}\n`);
    },
  };
}
