import { DATA_VOLUME, TaskSpecValidationError, containerValue, expandArgs, pythonStr, toContainerPath } from '@taskcell/docker';

const ctx = (
  values: Record<string, unknown>,
  ports: Array<{ id: string; target?: string; arg?: string }> = [],
  outputs: Record<string, Record<string, unknown>> = {},
) => ({
  values,
  ports,
  outputs,
  tempdir: '/tmp/job',
});

describe('expandArgs', () => {
  test('expands inputs, flags and outputs in one argument, in that order', () => {
    const c = ctx({ a: 'x', v: true, f: '/tmp/job/in.txt' }, [{ id: 'a' }, { id: 'v', arg: '-v' }, { id: 'f', target: 'filepath' }], {
      o: { name: 'out.png' },
    });
    expect(expandArgs(['$input{a}:$flag{v}:$output{o}', '$input{f}', '$input{_tempdir}'], c)).toEqual([
      `x:-v:${DATA_VOLUME}/out.png`,
      `${DATA_VOLUME}/in.txt`,
      DATA_VOLUME,
    ]);
  });

  test('drops an argument a false flag leaves empty, keeps an empty input', () => {
    expect(expandArgs(['$flag{v}', '$input{e}'], ctx({ v: 0, e: '' }, [{ id: 'v' }, { id: 'e' }]))).toEqual(['']);
  });

  test('names the token it cannot expand', () => {
    expect(() => expandArgs(['$input{nope}'], ctx({}))).toThrow(new TaskSpecValidationError('Could not expand token: $input{nope}.'));
    expect(() => expandArgs(['$output{o}'], ctx({}, [], { o: {} }))).toThrow('Could not expand token: $output{o}.');
    expect(() => expandArgs(['$input{p}'], ctx({ p: 1 }))).toThrow('No task input found with id = p');
  });
});

test('pythonStr renders values as Python str() does', () => {
  expect([true, false, null, 5, 2.5, 'a', [1, 'b'], { k: [true] }].map(pythonStr)).toEqual([
    'True',
    'False',
    'None',
    '5',
    '2.5',
    'a',
    "[1, 'b']",
    "{'k': [True]}",
  ]);
});

test('container paths: only paths under the temp dir map into the data volume', () => {
  expect(toContainerPath('/tmp/job', '/tmp/job/')).toBe(DATA_VOLUME);
  expect(toContainerPath('/tmp/job2/x', '/tmp/job')).toBeUndefined();
  expect(containerValue('/tmp/job/a b', { id: 'f', target: 'filepath' }, '/tmp/job')).toBe(`${DATA_VOLUME}/a b`);
  expect(containerValue('/tmp/job/a', { id: 'f' }, '/tmp/job')).toBe('/tmp/job/a');
});
