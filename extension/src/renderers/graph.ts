import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { IGraph } from '@taskcell/core';

/** What `vega-embed` returns that the renderer keeps: the view to finalize. */
interface IEmbedResult {
  finalize(): void;
}

/**
 * Renders `application/vnd.taskcell.graph+json` (core's graph value) with Vega's force layout;
 * hovering a node or an edge shows its attributes. vega-embed is loaded on first use, and the
 * view is finalized when the renderer is disposed or re-rendered.
 */
export class GraphRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: GraphRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass('tc-GraphRenderer');
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** Render a model's graph. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const graph = model.data[this.mimeType] as unknown as IGraph;
    const style = getComputedStyle(this.node);
    const colors = {
      text: style.getPropertyValue('--jp-ui-font-color1').trim() || '#333',
      edge: style.getPropertyValue('--jp-border-color1').trim() || '#999',
      node: style.getPropertyValue('--jp-brand-color1').trim() || '#1976d2',
    };
    const spec = GraphRenderer.spec(graph, colors);
    const embed = (await import('vega-embed')).default;
    if (this.isDisposed) return;
    this.view?.finalize();
    this.node.textContent = '';
    const host = this.node.appendChild(document.createElement('div'));
    this.view = (await embed(host, spec as never, {
      actions: { export: true, source: false, compiled: false, editor: false },
      renderer: 'svg',
    })) as IEmbedResult;
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.view?.finalize();
    this.view = undefined;
    super.dispose();
  }

  private view: IEmbedResult | undefined;
}

/** The GraphRenderer's options and spec builder. */
export namespace GraphRenderer {
  /** How a graph renderer is made. */
  export interface IOptions {
    mimeType: string;
  }

  /** The theme colours the spec uses. */
  export interface IColors {
    text: string;
    edge: string;
    node: string;
  }

  /** The Vega spec of a node-link graph: a static force layout, labels, and attribute tooltips. */
  export function spec(graph: IGraph, colors: IColors): Record<string, unknown> {
    const nodes = Array.isArray(graph?.nodes) ? graph.nodes : [];
    const links = Array.isArray(graph?.edges) ? graph.edges : [];
    const index = new Map(nodes.map((n, i) => [String(n.id), i]));
    const nodeData = nodes.map((n) => ({ label: String(n.id), color: typeof n.color === 'string' ? n.color : null, attrs: { ...n } }));
    const linkData = links
      .filter((l) => index.has(String(l.source)) && index.has(String(l.target)))
      .map((l) => ({ source: index.get(String(l.source)), target: index.get(String(l.target)), attrs: { ...l } }));
    // About 40 px a node along each side: small graphs stay small, large ones stop at 640 px.
    const size = Math.max(240, Math.min(640, 160 + 40 * Math.sqrt(nodes.length)));
    return {
      $schema: 'https://vega.github.io/schema/vega/v6.json',
      width: size,
      height: Math.round(size * 0.75),
      autosize: 'none',
      padding: 8,
      signals: [
        { name: 'cx', update: 'width / 2' },
        { name: 'cy', update: 'height / 2' },
      ],
      data: [
        { name: 'node-data', values: nodeData },
        { name: 'link-data', values: linkData },
      ],
      marks: [
        {
          name: 'nodes',
          type: 'symbol',
          zindex: 1,
          from: { data: 'node-data' },
          encode: {
            enter: {
              fill: { signal: `datum.color || '${colors.node}'` },
              stroke: { value: colors.text },
              strokeWidth: { value: 0.5 },
              size: { value: 180 },
              tooltip: { signal: 'datum.attrs' },
              cursor: { value: 'pointer' },
            },
          },
          transform: [
            {
              type: 'force',
              iterations: 300,
              static: true,
              signal: 'force',
              forces: [
                { force: 'center', x: { signal: 'cx' }, y: { signal: 'cy' } },
                { force: 'collide', radius: 12 },
                { force: 'nbody', strength: -40 },
                { force: 'link', links: 'link-data', distance: 50 },
              ],
            },
          ],
        },
        {
          type: 'path',
          from: { data: 'link-data' },
          interactive: true,
          encode: {
            update: { stroke: { value: colors.edge }, strokeWidth: { value: 1.5 }, tooltip: { signal: 'datum.attrs' } },
          },
          transform: [
            {
              type: 'linkpath',
              require: { signal: 'force' },
              shape: 'line',
              sourceX: 'datum.source.x',
              sourceY: 'datum.source.y',
              targetX: 'datum.target.x',
              targetY: 'datum.target.y',
            },
          ],
        },
        {
          type: 'text',
          from: { data: 'nodes' },
          interactive: false,
          zindex: 2,
          encode: {
            update: {
              x: { field: 'x' },
              y: { field: 'y', offset: -12 },
              text: { field: 'datum.label' },
              align: { value: 'center' },
              fill: { value: colors.text },
              fontSize: { value: 11 },
            },
          },
        },
      ],
    };
  }
}
