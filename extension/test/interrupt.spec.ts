/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { Widget } from '@lumino/widgets';
import { TasksModel, TasksPanel } from '@taskcell/jupyterlab';
import type { IJobRecord } from '@taskcell/jupyterlab';
import { ev } from './events';

const NOTICE =
  'Task "stubborn" (job j1) is still running in the kernel 1 s after it was cancelled: it ignores its cancel signal (ctx.signal).';

describe('a job whose task ignores its cancel', () => {
  afterEach(() => {
    document.body.textContent = '';
  });

  it("shows the kernel's notice on its row with an Interrupt button that interrupts that job's kernel", () => {
    const queue: Array<() => void> = [];
    const model = new TasksModel({ schedule: (cb) => queue.push(cb) });
    const interrupted: string[] = [];
    const panel = new TasksPanel({
      model,
      onCancel: () => undefined,
      onCancelAll: () => undefined,
      onInterrupt: (r: IJobRecord) => interrupted.push(r.jobId),
      onOpenArtifact: () => undefined,
      now: () => 2_000_000,
    });
    Widget.attach(panel, document.body);
    const frame = (): void => queue.splice(0).forEach((cb) => cb());
    model.apply(ev('j1', { state: 'RUNNING', task: 'stubborn' }));
    model.apply(ev('j1', { state: 'CANCELING' }));
    model.apply(ev('j1', { state: 'CANCELED', elapsed: 300 }));
    frame();
    const row = panel.row('j1')!.node;
    const button = row.querySelector('.tc-Panel-interrupt') as HTMLButtonElement;
    const notice = row.querySelector('.tc-Panel-notice') as HTMLElement;
    // A cancelled job that stopped: no interrupt offered.
    expect(button.hidden).toBe(true);
    expect(notice.hidden).toBe(true);

    model.apply(ev('j1', { kind: 'cancel-ignored', state: 'CANCELED', notice: NOTICE }));
    frame();
    expect(button.hidden).toBe(false);
    expect(notice.hidden).toBe(false);
    expect(notice.querySelector('.tc-Panel-noticeText')?.textContent).toBe(NOTICE);
    expect(row.dataset.state).toBe('CANCELED');
    button.click();
    expect(interrupted).toEqual(['j1']);
    // The click interrupts; it does not expand the row.
    expect(row.classList.contains('tc-mod-expanded')).toBe(false);
  });
});
