import { createRunner, parseTask } from '@taskcell/core';
import type { IJobEvent } from '@taskcell/core';
import { DockerUnavailableError, checkEngine, createDockerMode, dockerClient, dockerEndpoint } from '@taskcell/docker';

test('the endpoint comes from DOCKER_HOST or the default socket', () => {
  expect(dockerEndpoint({})).toEqual({ source: 'the default socket /var/run/docker.sock', socketPath: '/var/run/docker.sock' });
  expect(dockerEndpoint({ DOCKER_HOST: 'unix:///x/d.sock' })).toMatchObject({
    socketPath: '/x/d.sock',
    source: 'DOCKER_HOST=unix:///x/d.sock',
  });
  expect(dockerEndpoint({ DOCKER_HOST: 'tcp://h:1234' })).toMatchObject({ host: 'h', port: 1234, protocol: 'http' });
  expect(() => dockerEndpoint({ DOCKER_HOST: 'ssh://me@h' })).toThrow(
    'Expected DOCKER_HOST to be unix:///path/to/docker.sock or tcp://host:port, got "ssh://me@h"',
  );
});

test('an absent engine is a clear error at once, and the job ends ERROR', async () => {
  const docker = dockerClient(dockerEndpoint({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }));
  await expect(checkEngine(docker)).rejects.toThrow(
    /Expected a Docker engine at DOCKER_HOST=unix:\/\/\/nonexistent\/docker.sock, but it did not answer/,
  );
  const runner = createRunner({ cacheDir: '/nonexistent/cache' });
  runner.modes.register(createDockerMode({ docker }));
  const states: string[] = [];
  const t0 = Date.now();
  const run = runner.execute(
    parseTask({ mode: 'docker', docker_image: 'x' }),
    {},
    { onEvent: (e: IJobEvent) => e.kind === 'state' && states.push(e.state!) },
  );
  await expect(run).rejects.toBeInstanceOf(DockerUnavailableError);
  expect(Date.now() - t0).toBeLessThan(1000);
  expect(states[states.length - 1]).toBe('ERROR');
});
