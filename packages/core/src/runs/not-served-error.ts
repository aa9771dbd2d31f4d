import { TaskcellError } from '../errors';

/**
 * A re-run (`from`, `only`) needs the outputs of a step it does not run, and neither the run
 * records nor the result cache hold them for that step's inputs. `context.step` names the step.
 */
export class NotServedError extends TaskcellError {
  override readonly code = 'taskcell:not-served';
}
