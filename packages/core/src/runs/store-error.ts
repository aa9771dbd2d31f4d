import { TaskcellError } from '../errors';

/** The run store could not be opened, read or written. */
export class StoreError extends TaskcellError {
  override readonly code = 'taskcell:store';
}
