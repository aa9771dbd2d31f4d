/**
 * @jest-environment jsdom
 */
import './dom-setup';
import type { Kernel } from '@jupyterlab/services';
import { COMM_TARGET } from '@taskcell/display';
import { TaskcellConnection, TasksModel } from '@taskcell/jupyterlab';
import { ev } from './events';

/** The part of a kernel connection and its comm the connection uses, recording what is sent. */
function fakeKernel(): { kernel: Kernel.IKernelConnection; comm: Record<string, unknown>; sent: unknown[]; opened: string[] } {
  const sent: unknown[] = [];
  const opened: string[] = [];
  const comm: Record<string, unknown> = {
    isDisposed: false,
    onMsg: undefined,
    onClose: undefined,
    open: () => opened.push('open'),
    send: (data: unknown) => sent.push(data),
    close: () => {
      comm.isDisposed = true;
    },
  };
  const kernel = {
    name: 'taskcell',
    createComm: (target: string) => {
      opened.push(target);
      return comm;
    },
  } as unknown as Kernel.IKernelConnection;
  return { kernel, comm, sent, opened };
}

describe('TaskcellConnection', () => {
  it('opens the taskcell comm, folds events in under the notebook, and sends cancel commands', () => {
    const model = new TasksModel({ schedule: () => undefined });
    const { kernel, comm, sent, opened } = fakeKernel();
    const c = new TaskcellConnection({ model, source: 'tour.ipynb' });
    c.connect(kernel);
    expect(opened).toEqual([COMM_TARGET, 'open']);
    const deliver = (data: unknown): void => (comm.onMsg as (m: unknown) => void)({ content: { data } });
    deliver({ v: 1, type: 'event', event: ev('j', { state: 'RUNNING', task: 'long' }) });
    deliver({ v: 1, type: 'event', event: ev('old', { state: 'RUNNING' }) });
    deliver({ v: 1, type: 'hello', jobs: ['j'] });
    deliver({ v: 99, type: 'event', event: ev('future', { state: 'RUNNING' }) });
    expect(model.get('j')).toMatchObject({ state: 'RUNNING', source: 'tour.ipynb' });
    expect(model.get('old')!.lost).toBe(true);
    expect(model.get('future')).toBeUndefined();
    c.cancel('j');
    c.cancelAll();
    expect(sent).toEqual([
      { v: 1, type: 'cancel', jobId: 'j' },
      { v: 1, type: 'cancel-all' },
    ]);
    c.close();
    c.close();
    expect(comm.isDisposed).toBe(true);
    expect(c.kernel).toBeNull();
    c.cancel('j');
    expect(sent).toHaveLength(2);
  });
});
