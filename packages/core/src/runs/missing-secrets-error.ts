import { TaskcellError } from '../errors';

/**
 * A recorded run cannot be made again: its record keeps secret environment variables as `***`, and
 * this process's environment sets none of the names in `context.variables` to take them from.
 */
export class MissingSecretsError extends TaskcellError {
  override readonly code = 'taskcell:missing-secrets';
}
