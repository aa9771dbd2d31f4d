import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { IJobView } from '@taskcell/display';
import { JobRow } from '../job-row';

/**
 * Renders `application/vnd.taskcell.job+json`, the kernel's inline job display. The kernel updates
 * the display in place (`update_display_data`); each update re-renders into the same elements, so
 * the progress bar moves rather than flickers.
 */
export class JobViewRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: JobViewRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass('tc-JobViewRenderer');
    this.node.innerHTML =
      '<div class="tc-job-summary"><span class="tc-state"></span><span class="tc-job-name"></span><span class="tc-job-elapsed"></span></div>' +
      '<div class="tc-progress"><div class="tc-progress-track"><div class="tc-progress-bar"></div></div><span class="tc-progress-text"></span></div>' +
      '<ul class="tc-job-steps"></ul><pre class="tc-job-error"></pre><pre class="tc-log"></pre>';
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** Render (or update) a model's job view. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const v = model.data[this.mimeType] as unknown as IJobView;
    const q = (sel: string): HTMLElement => this.node.querySelector(sel) as HTMLElement;
    const state = String(v?.state ?? 'INACTIVE');
    const stateEl = q('.tc-state');
    stateEl.textContent = state;
    stateEl.className = `tc-state tc-state-${state.toLowerCase()}`;
    this.node.dataset.state = state;
    q('.tc-job-name').textContent = v?.task ?? v?.jobId ?? '';
    q('.tc-job-elapsed').textContent = v?.elapsed !== undefined ? JobRow.formatElapsed(v.elapsed) : '';
    const p = v?.progress;
    const pct = p && p.total > 0 ? Math.max(0, Math.min(100, (100 * p.current) / p.total)) : state === 'SUCCESS' ? 100 : 0;
    q('.tc-progress-bar').style.width = `${pct}%`;
    q('.tc-progress').dataset.value = String(Math.round(pct));
    q('.tc-progress-text').textContent = p ? `${p.current}/${p.total}${p.message ? ` ${p.message}` : ''}` : '';
    const steps = q('.tc-job-steps');
    steps.textContent = '';
    for (const [name, st] of Object.entries(v?.steps ?? {})) {
      const li = steps.appendChild(document.createElement('li'));
      const badge = li.appendChild(document.createElement('span'));
      badge.className = `tc-state tc-state-${String(st).toLowerCase()}`;
      badge.textContent = String(st);
      li.appendChild(document.createTextNode(` ${name}`));
    }
    const err = q('.tc-job-error');
    err.textContent = v?.error ?? '';
    err.hidden = !v?.error;
    const log = q('.tc-log');
    log.textContent = (v?.logs ?? []).join('\n');
    log.hidden = !(v?.logs ?? []).length;
    return Promise.resolve();
  }
}

/** The JobViewRenderer's options. */
export namespace JobViewRenderer {
  /** How a job view renderer is made. */
  export interface IOptions {
    mimeType: string;
  }
}
