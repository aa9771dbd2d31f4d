/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { DAG_CLASS, DagView } from '@taskcell/jupyterlab';
import type { RerunHow } from '@taskcell/jupyterlab';

const dag = {
  steps: ['a', 'b', 'c'],
  edges: [
    ['a', 'b'],
    ['b', 'c'],
  ] as Array<[string, string]>,
};

describe('DagView re-run actions', () => {
  it('makes each node a button whose Enter, click or context menu shows its actions, which call onRerun', () => {
    const asked: Array<[string, RerunHow]> = [];
    const view = new DagView(dag, { onRerun: (step, how) => asked.push([step, how]) });
    document.body.appendChild(view.node);
    const node = (s: string) => view.node.querySelector(`.${DAG_CLASS.node}[data-step="${s}"]`) as SVGGElement;
    const bar = view.node.querySelector(`.${DAG_CLASS.actions}`) as HTMLElement;
    expect(node('b').getAttribute('tabindex')).toBe('0');
    expect(node('b').getAttribute('role')).toBe('button');
    expect(bar.hidden).toBe(true);

    node('b').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(bar.hidden).toBe(false);
    expect(view.selected).toBe('b');
    expect(document.activeElement?.textContent).toBe('Re-run this step');
    (view.node.querySelector(`.${DAG_CLASS.rerunStep}`) as HTMLButtonElement).click();

    node('a').dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true }));
    expect(node('a').classList.contains(DAG_CLASS.selected)).toBe(true);
    expect(node('b').classList.contains(DAG_CLASS.selected)).toBe(false);
    (view.node.querySelector(`.${DAG_CLASS.rerunFrom}`) as HTMLButtonElement).click();
    expect(asked).toEqual([
      ['b', 'only'],
      ['a', 'from'],
    ]);
    view.node.remove();
  });

  it('offers nothing without onRerun', () => {
    const view = new DagView(dag);
    expect(view.node.querySelector(`.${DAG_CLASS.actions}`)).toBeNull();
    expect(view.node.querySelector(`.${DAG_CLASS.node}`)!.getAttribute('tabindex')).toBeNull();
  });
});
