// The kernel's container modes load @taskcell/docker on first use; what they wrap says where a job
// runs (a container of its image), so the events and the Tasks panel do not call it in-process.
import { parseTask } from '@taskcell/core';
import { lazyDockerMode, lazySlicerMode } from '../src/docker-mode';

describe('lazy container modes', () => {
  it('a docker job and a slicer_cli job run in a container of their image', () => {
    const docker = parseTask({
      name: 'echo',
      mode: 'docker',
      docker_image: 'taskcell-test/echo:1',
      inputs: [],
      outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
    });
    expect(lazyDockerMode.place?.(docker)).toEqual({ kind: 'container', name: 'taskcell-test/echo:1' });
    const slicer = parseTask({
      name: 'Repeat',
      mode: 'slicer_cli',
      docker_image: 'taskcell-test/slicer:1',
      slicer_cli: 'Repeat',
      inputs: [],
      outputs: [],
    });
    expect(lazySlicerMode.place?.(slicer)).toEqual({ kind: 'container', name: 'taskcell-test/slicer:1' });
  });
});
