// Only the errors module: the I/O thread and start-up need these without loading the whole engine.
import { TaskcellError } from '@taskcell/core/lib/errors';

/** A frame sequence is not a Jupyter message: no delimiter, too few frames, or JSON that does not parse. */
export class WireError extends TaskcellError {
  override readonly code = 'taskcell:wire';
}

/** A message's HMAC signature is missing or wrong; the message is dropped unexecuted. */
export class SignatureError extends TaskcellError {
  override readonly code = 'taskcell:signature';
}

/** A connection file is missing, unreadable or incomplete. */
export class ConnectionFileError extends TaskcellError {
  override readonly code = 'taskcell:connection-file';
}

/** A cell asked for input (`prompt()`) where the frontend does not allow it, or the kernel was interrupted while waiting. */
export class StdinError extends TaskcellError {
  override readonly code = 'taskcell:stdin';
}

/** The cell was interrupted (Jupyter's interrupt, or SIGINT). */
export class InterruptedError extends TaskcellError {
  override readonly code = 'taskcell:interrupted';
}

/** A cell's TypeScript did not compile; the message lists the diagnostics with line and column. */
export class CompileError extends TaskcellError {
  override readonly code = 'taskcell:compile';
}

/** The compiler process ended while compiling a cell (it is started again for the next one), or could not start. */
export class CompilerError extends TaskcellError {
  override readonly code = 'taskcell:compiler';
}
