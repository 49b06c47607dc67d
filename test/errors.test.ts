import t from 'tap';
import { SlotlabError, errorMessage } from '../orchestrator/errors.js';

t.test('errors carry a stable code and their class name', async (t) => {
  class SomethingError extends SlotlabError {
    constructor() {
      super('SOMETHING', 'something happened; do this');
    }
  }
  const error = new SomethingError();
  t.equal(error.code, 'SOMETHING');
  t.equal(error.name, 'SomethingError');
  t.equal(errorMessage(error), 'something happened; do this');
  t.equal(errorMessage('plain'), 'plain');
});
