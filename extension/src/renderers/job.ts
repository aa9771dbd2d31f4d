import { PanelLayout, Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME, formatElapsed, formatPlace, formatProgress, isFinalState, progressPercent } from '@taskcell/display';
import type { IJobCard, IRenderedOutput } from '@taskcell/display';
import { GraphRenderer } from './graph';
import { ImageRenderer } from './image';
import { TableRenderer } from './table';
import { TreeRenderer } from './tree';

/** The class names of the job card's parts (styled in style/base.css); kept here, not exported, as each renderer names its own. */
const CLASS = {
  root: 'tc-JobViewRenderer',
  header: 'tc-JobViewRenderer-header',
  summary: 'tc-JobViewRenderer-summary',
  state: 'tc-JobViewRenderer-state',
  name: 'tc-JobViewRenderer-name',
  place: 'tc-JobViewRenderer-place',
  elapsed: 'tc-JobViewRenderer-elapsed',
  cached: 'tc-JobViewRenderer-cached',
  progress: 'tc-JobViewRenderer-progress',
  progressTrack: 'tc-JobViewRenderer-progressTrack',
  progressBar: 'tc-JobViewRenderer-progressBar',
  progressText: 'tc-JobViewRenderer-progressText',
  steps: 'tc-JobViewRenderer-steps',
  error: 'tc-JobViewRenderer-error',
  log: 'tc-JobViewRenderer-log',
  output: 'tc-JobViewRenderer-output',
  outputTitle: 'tc-JobViewRenderer-outputTitle',
  outputPort: 'tc-JobViewRenderer-outputPort',
  outputType: 'tc-JobViewRenderer-outputType',
  outputImage: 'tc-JobViewRenderer-outputImage',
  outputText: 'tc-JobViewRenderer-outputText',
} as const;

/**
 * Renders `application/vnd.taskcell.job+json`: a job card (state, name, where it ran, duration,
 * cache hit, progress, a workflow's steps, error and log tail) and, once the job ended well, each
 * output by its type's renderer (table, tree, graph) or as an image or text. The kernel updates a
 * live card in place (`update_display_data`); each update re-renders into the same elements, so
 * the progress bar moves rather than flickers, and outputs are built once.
 */
export class JobViewRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: JobViewRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(CLASS.root);
    const layout = new PanelLayout();
    this.layout = layout;
    this.header = new Widget();
    this.header.addClass(CLASS.header);
    this.header.node.innerHTML =
      `<div class="${CLASS.summary}"><span class="${CLASS.state}"></span><span class="${CLASS.name}"></span><span class="${CLASS.place}"></span>` +
      `<span class="${CLASS.elapsed}"></span><span class="${CLASS.cached}" title="Served from the result cache">cached</span></div>` +
      `<div class="${CLASS.progress}"><div class="${CLASS.progressTrack}"><div class="${CLASS.progressBar}"></div></div><span class="${CLASS.progressText}"></span></div>` +
      `<ul class="${CLASS.steps}"></ul><pre class="${CLASS.error}"></pre><pre class="${CLASS.log}"></pre>`;
    layout.addWidget(this.header);
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** Render (or update) a model's job card. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const v = (model.data[this.mimeType] ?? {}) as unknown as Partial<IJobCard>;
    const q = (part: keyof typeof CLASS): HTMLElement => this.header.node.querySelector(`.${CLASS[part]}`) as HTMLElement;
    const state = String(v.state ?? 'INACTIVE');
    const stateEl = q('state');
    stateEl.textContent = state;
    stateEl.dataset.state = state;
    this.node.dataset.state = state;
    q('name').textContent = v.task ?? v.jobId ?? '';
    q('place').textContent = v.where ?? formatPlace(v.place);
    q('elapsed').textContent = formatElapsed(v.elapsed);
    q('cached').hidden = !v.cached;
    const pct = progressPercent(v.progress) ?? (state === 'SUCCESS' ? 100 : 0);
    const final = isFinalState(state);
    q('progress').hidden = final && !v.progress;
    q('progressBar').style.width = `${pct}%`;
    q('progress').dataset.value = String(Math.round(pct));
    q('progressText').textContent = formatProgress(v.progress);
    const steps = q('steps');
    steps.textContent = '';
    // The kernel lists the first steps by name and counts the rest (`moreSteps`).
    for (const [name, st] of Object.entries(v.steps ?? {})) {
      const li = steps.appendChild(document.createElement('li'));
      const badge = li.appendChild(document.createElement('span'));
      badge.className = CLASS.state;
      badge.dataset.state = String(st);
      badge.textContent = String(st);
      li.appendChild(document.createTextNode(` ${name}`));
    }
    if (v.moreSteps) steps.appendChild(document.createElement('li')).textContent = v.moreSteps;
    const err = q('error');
    err.textContent = v.error ?? '';
    err.hidden = !v.error;
    const logs = (v.logs ?? []).map((l) => (typeof l === 'string' ? l : l.line));
    const log = q('log');
    log.textContent = logs.join('\n');
    log.hidden = !logs.length;
    await this.renderOutputs(v.results ?? [], model);
  }

  private async renderOutputs(results: IRenderedOutput[], model: IRenderMime.IMimeModel): Promise<void> {
    const key = results.length ? JSON.stringify(results) : '';
    if (key === this.outputsKey) return;
    this.outputsKey = key;
    for (const w of this.outputs) w.dispose();
    this.outputs = [];
    const layout = this.layout as PanelLayout;
    const pending: Array<Promise<void>> = [];
    for (const o of results) {
      const section = new Widget();
      section.addClass(CLASS.output);
      const sectionLayout = new PanelLayout();
      section.layout = sectionLayout;
      const title = new Widget({ node: document.createElement('div') });
      title.addClass(CLASS.outputTitle);
      title.node.innerHTML = `<span class="${CLASS.outputPort}"></span><span class="${CLASS.outputType}"></span>`;
      (title.node.firstChild as HTMLElement).textContent = o.port;
      (title.node.lastChild as HTMLElement).textContent = `${o.type}:${o.format}`;
      sectionLayout.addWidget(title);
      const body = Private.outputWidget(o);
      sectionLayout.addWidget(body.widget);
      // In the card before it renders, so that a renderer measuring its box (the graph's) sees the card's width.
      layout.addWidget(section);
      if (body.mimeType) pending.push(body.widget.renderModel(Private.model(o.data, body.mimeType, model)));
      this.outputs.push(section);
    }
    await Promise.all(pending);
  }

  private readonly header: Widget;
  private outputs: Widget[] = [];
  private outputsKey = '';
}

/** The JobViewRenderer's options. */
export namespace JobViewRenderer {
  /** How a job view renderer is made. */
  export interface IOptions {
    mimeType: string;
  }
}

namespace Private {
  type RendererWidget = Widget & IRenderMime.IRenderer;

  /** The widget an output renders in: a taskcell renderer for its type, else an image or its text. */
  export function outputWidget(
    o: IRenderedOutput,
  ): { widget: RendererWidget; mimeType?: string } | { widget: Widget; mimeType?: undefined } {
    const d = o.data;
    if (MIME.table in d) return { widget: new TableRenderer({ mimeType: MIME.table }), mimeType: MIME.table };
    if (MIME.tree in d) return { widget: new TreeRenderer({ mimeType: MIME.tree }), mimeType: MIME.tree };
    if (MIME.graph in d) return { widget: new GraphRenderer({ mimeType: MIME.graph }), mimeType: MIME.graph };
    if (MIME.image in d) return { widget: new ImageRenderer({ mimeType: MIME.image }), mimeType: MIME.image };
    for (const mime of [MIME.png, MIME.jpeg, MIME.gif]) {
      if (typeof d[mime] === 'string') {
        const img = document.createElement('img');
        img.className = CLASS.outputImage;
        img.src = `data:${mime};base64,${d[mime] as string}`;
        img.alt = String(d[MIME.plain] ?? o.port);
        return { widget: new Widget({ node: img }) };
      }
    }
    const pre = document.createElement('pre');
    pre.className = CLASS.outputText;
    pre.textContent = String(d[MIME.plain] ?? '');
    return { widget: new Widget({ node: pre }) };
  }

  /** A MIME model of one output's bundle, for a nested renderer. */
  export function model(data: Record<string, unknown>, mimeType: string, outer: IRenderMime.IMimeModel): IRenderMime.IMimeModel {
    return {
      trusted: outer.trusted,
      // An image's entry names the sibling entry that holds its data: it gets the whole bundle.
      data: (mimeType === MIME.image ? data : { [mimeType]: data[mimeType] }) as IRenderMime.IMimeModel['data'],
      metadata: {},
      setData: () => undefined,
    };
  }
}
