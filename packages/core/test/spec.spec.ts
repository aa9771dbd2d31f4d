import { SpecError, TRANSITIONS, TransitionError, assertTransition, canTransition, parseTask, taskToJSON } from '@taskcell/core';
import type { JobState } from '@taskcell/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SHARED = join(__dirname, '..', '..', '..', '..', 'shared', 'girder-worker');

function specError(json: unknown): SpecError {
  try {
    parseTask(json);
  } catch (e) {
    return e as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('spec model', () => {
  test('malformed specs name the path of the bad field', () => {
    const wf = (task: unknown) => ({
      mode: 'workflow',
      steps: [
        { name: 'ok', task: { inputs: [], outputs: [] } },
        { name: 'bad', task },
      ],
    });
    expect(specError(wf({ inputs: [{ name: 'a', type: 3 }] })).context.path).toBe('steps[1].task.inputs[0].type');
    expect(specError(wf({ inputs: [{ name: 'a', target: 'disk' }] })).message).toBe(
      'steps[1].task.inputs[0].target must be "memory" or "filepath", got "disk"',
    );
    expect(specError(wf({ outputs: 'x' })).message).toBe('steps[1].task.outputs must be a list, got string');
    expect(specError({ inputs: [{ name: 'a' }, { id: 'a' }] }).message).toBe('A port named "a" already exists');
    expect(specError({ mode: 'workflow', steps: [], connections: [{ name: 'x', input_step: 'nope', input: 'a' }] }).message).toMatch(
      /connections\[0\]\.input_step names step "nope", which is not in the workflow/,
    );
    expect(specError(['not', 'an', 'object']).message).toBe('task must be a task spec object, got an array');
    expect(
      specError({ mode: 'workflow', steps: [{ name: 's', task: { inputs: [], outputs: [] } }], connections: [{ input: 'a' }] }).context
        .path,
    ).toBe('connections[0]');
  });

  test('Girder Worker JSON parses and produces itself back (ids or names, integer step names, extra fields)', () => {
    const facebook = JSON.parse(readFileSync(join(SHARED, 'raw', 'docs', 'static', 'facebook-example-spec.json'), 'utf8'));
    expect(taskToJSON(parseTask(facebook))).toEqual(facebook);
    const cases = JSON.parse(readFileSync(join(SHARED, 'cases', 'workflow.json'), 'utf8')).cases;
    for (const c of cases.filter((x: { task?: unknown }) => x.task)) expect(taskToJSON(parseTask(c.task))).toEqual(c.task);
    const docker = {
      mode: 'docker',
      docker_image: 'busybox',
      container_args: ['$input{a}'],
      inputs: [{ id: 'a', type: 'string', format: 'text' }],
      outputs: [],
    };
    expect(taskToJSON(parseTask(docker))).toEqual(docker);
  });
});

describe('job states', () => {
  test('the transition table is enforced', () => {
    expect(canTransition('RUNNING', 'SUCCESS')).toBe(true);
    expect(canTransition('SUCCESS', 'RUNNING')).toBe(false);
    expect(() => assertTransition('SUCCESS', 'RUNNING', 'j1')).toThrow(TransitionError);
    expect(() => assertTransition('CANCELING', 'ERROR')).toThrow(/cannot go from CANCELING to ERROR; allowed from CANCELING: CANCELED/);
    // Every final state is final, and CANCELING leads only to CANCELED (no job stays stuck in it).
    for (const s of ['SUCCESS', 'ERROR', 'CANCELED'] as JobState[]) expect(TRANSITIONS[s]).toEqual([]);
    expect(TRANSITIONS.CANCELING).toEqual(['CANCELED']);
  });
});
