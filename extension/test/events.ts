import type { IJobEvent } from '@taskcell/core';

let clock = 1_000_000;

/** A job event with defaults for the fields a test does not care about. */
export function ev(jobId: string, fields: Partial<IJobEvent> = {}): IJobEvent {
  clock += 10;
  return { v: 1, kind: fields.state ? 'state' : 'progress', jobId, time: clock, ...fields } as IJobEvent;
}

/** The events of a three-step workflow `wf` (a -> b -> c) up to the given point. */
export function workflowEvents(wf = 'wf'): IJobEvent[] {
  const dag = {
    steps: ['a', 'b', 'c'],
    edges: [
      ['a', 'b'],
      ['b', 'c'],
    ] as Array<[string, string]>,
  };
  const step = (id: string, name: string, extra: Partial<IJobEvent>): IJobEvent =>
    ev(id, { parentId: wf, step: name, task: name, place: { kind: 'in-process' }, ...extra });
  return [
    ev(wf, { state: 'QUEUED', task: 'tour', place: { kind: 'thread', name: '2' } }),
    ev(wf, { state: 'RUNNING', task: 'tour', dag }),
    step('a1', 'a', { state: 'QUEUED' }),
    step('a1', 'a', { state: 'RUNNING' }),
    step('a1', 'a', { kind: 'progress', state: 'RUNNING', progress: { current: 1, total: 4, message: 'row 1' } }),
    step('a1', 'a', { kind: 'log', log: { stream: 'stdout', line: 'hello' } }),
    step('a1', 'a', { kind: 'log', log: { stream: 'stderr', line: 'careful' } }),
    step('a1', 'a', { kind: 'artifact', artifact: { name: 'plot.png', path: '/srv/plot.png' } }),
    step('a1', 'a', { kind: 'output', output: { port: 'xs', type: 'number_list', format: 'number_list', preview: '[1,2]' } }),
    step('a1', 'a', { state: 'SUCCESS', elapsed: 120 }),
    step('b1', 'b', { state: 'QUEUED' }),
    step('b1', 'b', { state: 'RUNNING' }),
  ];
}
