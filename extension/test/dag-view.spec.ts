/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { DAG_CLASS, DagView } from '@taskcell/jupyterlab';

describe('DagView streaming edges', () => {
  test('a streaming edge is marked, and live only while both its ends run', () => {
    const view = new DagView({
      steps: ['read', 'parse', 'report'],
      edges: [
        ['read', 'parse'],
        ['parse', 'report'],
      ],
      streams: [['read', 'parse']],
    });
    const edges = [...view.svg.querySelectorAll(`.${DAG_CLASS.edge}`)] as SVGPathElement[];
    expect(edges.map((e) => e.classList.contains(DAG_CLASS.streaming))).toEqual([true, false]);
    const states: Record<string, string> = { read: 'RUNNING', parse: 'QUEUED', report: 'INACTIVE' };
    const live = () => edges.map((e) => e.classList.contains(DAG_CLASS.live));
    view.update((s) => states[s]);
    expect(live()).toEqual([false, false]);
    states.parse = 'RUNNING';
    view.update((s) => states[s]);
    expect(live()).toEqual([true, false]);
    states.read = 'SUCCESS';
    states.report = 'RUNNING';
    view.update((s) => states[s]);
    expect(live()).toEqual([false, false]);
  });
});
