import { SlotlabError } from '../errors.js';

export class BuildNotReadyError extends SlotlabError {
  constructor(name: string, detail: string, fix = 'slotlab setup') {
    super('BUILD_NOT_READY', `build '${name}' is not ready: ${detail}; run \`${fix}\` to prepare it`);
  }
}
