import { parseTask } from '@taskcell/core';
import {
  TaskSpecValidationError,
  createDockerMode,
  gcPolicyFromConfig,
  hostPathInData,
  parseBytes,
  parseDockerTask,
  translateRunArgs,
  validateDockerOutputs,
} from '@taskcell/docker';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const spec = (extra: Record<string, unknown>) => parseTask({ mode: 'docker', docker_image: 'img:1', ...extra });

test('docker fields are read and normalized', () => {
  const s = parseDockerTask(
    spec({
      entrypoint: '/bin/sh',
      container_args: ['a', 3],
      network: 'bridge',
      memory: '1g',
      cpus: 1.5,
      gpus: 'all',
      artifacts: ['x', { path: '/y', onFailure: true }],
    }),
  );
  expect(s).toMatchObject({ image: 'img:1', pull: true, args: ['a', '3'], entrypoint: ['/bin/sh'], progressPipe: false, pinned: false });
  expect(s.create.HostConfig).toEqual({
    NetworkMode: 'bridge',
    Memory: 1024 ** 3,
    NanoCpus: 1.5e9,
    DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }],
  });
  expect(s.artifacts).toEqual([{ path: 'x' }, { path: '/y', onFailure: true }]);
  expect(parseDockerTask(spec({ docker_image: `img@${DIGEST}`, pull_image: false })).pinned).toBe(true);
  expect(() => parseDockerTask(parseTask({ mode: 'docker' }))).toThrow(/needs a "docker_image" string, got undefined/);
});

test("docker_run_args: docker-py's keywords, detach and tty forced, unknown ones refused", () => {
  expect(
    translateRunArgs({
      detach: false,
      tty: true,
      network_disabled: true,
      mem_limit: '512m',
      environment: { A: 1 },
      remove: false,
      name: 'n',
    }),
  ).toEqual({
    create: { NetworkDisabled: true, Env: ['A=1'], name: 'n', HostConfig: { NetworkMode: 'none', Memory: 512 * 1024 ** 2 } },
    remove: false,
  });
  expect(() => translateRunArgs({ privileged: true })).toThrow(/docker_run_args "privileged" is not supported; supported: detach/);
});

test('outputs: Girder Worker messages, checked by the mode before anything runs', () => {
  const mode = createDockerMode();
  expect(() => mode.check!(spec({ outputs: [{ id: 'x' }] }), undefined as never)).toThrow(
    new TaskSpecValidationError('Docker outputs must be either "_stdout", "_stderr", or filepath-target outputs.'),
  );
  expect(() => validateDockerOutputs(spec({ outputs: [{ id: 'x', target: 'filepath', path: '/etc/passwd' }] }))).toThrow(
    /must either start with "\/mnt\/girder_worker\/data\/"/,
  );
  expect(() =>
    validateDockerOutputs(spec({ outputs: [{ id: '_stdout' }, { id: 'f', target: 'filepath', path: '/mnt/girder_worker/data/a' }] })),
  ).not.toThrow();
  expect(hostPathInData('/mnt/girder_worker/data/a/b', '/t', 'x')).toBe('/t/a/b');
  expect(hostPathInData('c', '/t', 'x')).toBe('/t/c');
  expect(() => hostPathInData('../etc/passwd', '/t', 'Output "f"')).toThrow(
    /Output "f": expected a path under \/mnt\/girder_worker\/data\/ or relative to it, got "..\/etc\/passwd"/,
  );
});

test('results are cached only for images pinned by digest', () => {
  const mode = createDockerMode();
  expect(mode.cacheIdentity!(spec({ docker_image: `img@${DIGEST}` }))).toEqual({ code: `docker:img@${DIGEST}` });
  expect(mode.cacheIdentity!(spec({}))).toEqual({ skip: expect.stringContaining('not pinned by a digest') });
  // An image id is a content digest too (what a local build gives).
  expect(mode.cacheIdentity!(spec({ docker_image: DIGEST }))).toEqual({ code: `docker:${DIGEST}` });
  expect(mode.cacheIdentity!(spec({ docker_image: `img:${DIGEST.slice(7)}` }))).toEqual({ skip: expect.any(String) });
});

test('sizes and the gc configuration', () => {
  expect([parseBytes(10, 'm'), parseBytes('2k', 'm'), parseBytes('1.5m', 'm')]).toEqual([10, 2048, 1.5 * 1024 ** 2]);
  expect(() => parseBytes('lots', 'memory')).toThrow('memory: expected a byte count or a size such as "512m", got "lots"');
  expect(gcPolicyFromConfig({ 'docker.gc': 'True', 'docker.cache_timeout': '60', 'docker.exclude_images': 'a,b:1\nc' })).toEqual({
    maxAge: 60,
    excludeImages: ['a', 'b:1', 'c'],
  });
  expect(gcPolicyFromConfig({ 'docker.gc': 'False' })).toBeUndefined();
});

test("a docker job's place is a container of its image", () => {
  expect(createDockerMode().place?.(spec({}))).toEqual({ kind: 'container', name: 'img:1' });
});
