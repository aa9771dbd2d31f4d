import { TaskcellError } from '@taskcell/core';

/** The Docker engine answered with an error (pull, create, start...); `context.operation` names the call. */
export class DockerError extends TaskcellError {
  override readonly code = 'taskcell:docker';
}

/** No Docker engine answers at the endpoint (`DOCKER_HOST` or the default socket). */
export class DockerUnavailableError extends TaskcellError {
  override readonly code = 'taskcell:docker-unavailable';
}

/** A docker task spec breaks Girder Worker's rules (outputs, paths); raised before any container starts. */
export class TaskSpecValidationError extends TaskcellError {
  override readonly code = 'taskcell:docker-spec';
}

/** The container exited with a non-zero status; `context.exitCode` holds it and `context.stderr` its last lines. */
export class ContainerExitError extends TaskcellError {
  override readonly code = 'taskcell:container-exit';
}

/**
 * A container's create options break the Docker policy (a host mount outside the data roots, the
 * engine's socket, added capabilities, host namespaces, devices); raised before the container is
 * created. `context.option` names the offending option.
 */
export class DockerPolicyError extends TaskcellError {
  override readonly code = 'taskcell:docker-policy';
}

/** A container wrote more on `_stdout` or `_stderr` than a text output can hold; `context.size` is how much. */
export class OutputTooLargeError extends TaskcellError {
  override readonly code = 'taskcell:output-too-large';
}
