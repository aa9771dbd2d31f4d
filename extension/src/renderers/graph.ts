import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { IGraph } from '@taskcell/core';
import type { Core, ElementDefinition, EventObject, StylesheetJson } from 'cytoscape';
import { attributeLines, boxHeight, forcePositions, layoutKind, viewGraph } from './graph-layout';
import type { IViewGraph, LayoutKind } from './graph-layout';

/**
 * Renders `application/vnd.taskcell.graph+json` (core's graph value) with cytoscape.js on a
 * canvas. Cytoscape was chosen over sigma + graphology because it draws on a 2D canvas (sigma
 * needs WebGL, which GPU-less browsers emulate slowly or not at all), draws arrowheads, parallel
 * edges and self-loops itself, and has a layered layout (cytoscape-dagre). Node positions for
 * general graphs come from d3-force, whose Barnes-Hut many-body force lays out 5,000 nodes in a
 * fixed time budget where cytoscape's own force layouts take seconds.
 *
 * The graph fills its box and can be zoomed (wheel), panned (drag the background) and fitted
 * again (the Fit button); hovering a node or an edge shows its attributes, selecting a node fades
 * everything but its neighbourhood. Colours are JupyterLab's CSS variables, read again when the
 * theme changes. cytoscape, cytoscape-dagre and d3-force are loaded on first use.
 */
export class GraphRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: GraphRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(GraphRenderer.CLASS);
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** Render a model's graph. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const started = performance.now();
    const graph = viewGraph(model.data[this.mimeType] as unknown as IGraph);
    const [{ default: cytoscape }, { default: dagre }, d3] = await Promise.all([
      import('cytoscape'),
      import('cytoscape-dagre'),
      import('d3-force'),
    ]);
    if (this.isDisposed) return;
    if (!dagreRegistered) {
      cytoscape.use(dagre);
      dagreRegistered = true;
    }
    this.teardown();
    const kind = layoutKind(graph);
    const { toolbar, host, tooltip } = this.frame(graph, kind);
    const width = host.clientWidth || 640;
    const height = boxHeight(graph.nodes.length);
    const loaded = performance.now();
    const positions = kind === 'force' ? forcePositions(d3, graph, width / height) : undefined;
    const placed = performance.now();
    const cy = cytoscape({
      container: host,
      elements: GraphRenderer.elements(graph, positions),
      style: GraphRenderer.style(graph, this.colors()),
      layout: positions
        ? { name: 'preset', fit: true, padding: GraphRenderer.PADDING }
        : ({ name: 'dagre', rankDir: 'LR', nodeSep: 24, rankSep: 48, fit: true, padding: GraphRenderer.PADDING } as never),
      minZoom: 0.02,
      maxZoom: 8,
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false,
      selectionType: 'single',
      autoungrabify: graph.nodes.length > GraphRenderer.LARGE,
      // A large graph pans and zooms as a bitmap and redraws when the gesture ends.
      hideEdgesOnViewport: graph.edges.length > 4 * GraphRenderer.LARGE,
      textureOnViewport: graph.nodes.length > GraphRenderer.LARGE,
      pixelRatio: graph.nodes.length > GraphRenderer.LARGE ? 1 : 'auto',
    });
    this.cy = cy;
    const built = performance.now();
    (host as GraphRenderer.IHost).tcGraph = cy;
    this.drawn = { directed: graph.directed, nodes: { length: graph.nodes.length } };
    GraphRenderer.fit(cy);
    this.wire(cy, toolbar, tooltip);
    cy.one('render', () => {
      // What the first render cost: loading the libraries, the force layout, building the view, drawing.
      const ms = (from: number, to: number): string => String(Math.round(to - from));
      const drawn = performance.now();
      Object.assign(this.node.dataset, {
        tcLoadMs: ms(started, loaded),
        tcLayoutMs: ms(loaded, placed),
        tcBuildMs: ms(placed, built),
        tcDrawMs: ms(built, drawn),
        tcRenderMs: ms(started, drawn),
      });
    });
    this.node.dataset.tcLayout = kind;
    this.node.dataset.tcTheme = GraphRenderer.currentTheme();
    this.observeTheme();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.teardown();
    this.themeObserver?.disconnect();
    this.themeObserver = undefined;
    super.dispose();
  }

  /** The toolbar (summary, Fit button), the canvas's box and the tooltip, replacing what was drawn. */
  private frame(graph: IViewGraph, kind: LayoutKind): { toolbar: HTMLElement; host: HTMLElement; tooltip: HTMLElement } {
    const toolbar = document.createElement('div');
    toolbar.className = 'tc-GraphRenderer-toolbar';
    const summary = toolbar.appendChild(document.createElement('span'));
    summary.className = 'tc-GraphRenderer-summary';
    summary.textContent =
      `${graph.directed ? 'directed' : 'undirected'} graph, ${graph.nodes.length} nodes, ` + `${graph.edges.length} edges, ${kind} layout`;
    const fit = toolbar.appendChild(document.createElement('button'));
    fit.className = 'tc-GraphRenderer-fit jp-Button';
    fit.type = 'button';
    fit.textContent = 'Fit';
    fit.title = 'Zoom to fit the whole graph';
    const host = document.createElement('div');
    host.className = 'tc-GraphRenderer-canvas';
    host.style.height = `${boxHeight(graph.nodes.length)}px`;
    const tooltip = document.createElement('div');
    tooltip.className = 'tc-GraphRenderer-tooltip';
    tooltip.hidden = true;
    host.appendChild(tooltip);
    this.node.replaceChildren(toolbar, host);
    return { toolbar, host, tooltip };
  }

  /** Fit, tooltips, neighbour highlighting, and refitting while the user has not moved the view. */
  private wire(cy: Core, toolbar: HTMLElement, tooltip: HTMLElement): void {
    let moved = false;
    cy.on('scrollzoom pinchzoom dragpan', () => (moved = true));
    (toolbar.querySelector('.tc-GraphRenderer-fit') as HTMLElement).onclick = () => {
      GraphRenderer.fit(cy);
      moved = false;
    };
    cy.on('mouseover', 'node, edge', (e: EventObject) => {
      const lines = attributeLines(e.target.data('attrs') as Record<string, unknown>);
      tooltip.replaceChildren(
        ...lines.map((l) => {
          const div = document.createElement('div');
          div.textContent = l;
          return div;
        }),
      );
      tooltip.style.left = `${e.renderedPosition.x + 12}px`;
      tooltip.style.top = `${e.renderedPosition.y + 12}px`;
      tooltip.hidden = false;
    });
    cy.on('mouseout', 'node, edge', () => (tooltip.hidden = true));
    cy.on('viewport', () => (tooltip.hidden = true));
    cy.on('select', 'node', (e: EventObject) => {
      cy.batch(() => {
        cy.elements().addClass('tc-faded');
        e.target.closedNeighborhood().removeClass('tc-faded');
      });
    });
    cy.on('unselect', 'node', () => cy.batch(() => cy.elements().removeClass('tc-faded')));
    this.resizeObserver = new ResizeObserver(() => {
      cy.resize();
      if (!moved) GraphRenderer.fit(cy);
    });
    this.resizeObserver.observe(cy.container() as HTMLElement);
  }

  /** Restyle with the theme's colours when JupyterLab switches between light and dark themes. */
  private observeTheme(): void {
    if (this.themeObserver) return;
    this.themeObserver = new MutationObserver(() => {
      const theme = GraphRenderer.currentTheme();
      if (!this.cy || !this.drawn || this.node.dataset.tcTheme === theme) return;
      // The new theme's stylesheet may still be loading: read its variables on the next frame.
      requestAnimationFrame(() => {
        if (!this.cy || !this.drawn) return;
        this.cy.style(GraphRenderer.style(this.drawn, this.colors()));
        this.node.dataset.tcTheme = theme;
      });
    });
    this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-light'] });
  }

  /** The theme's colours, from JupyterLab's CSS variables as this node sees them. */
  private colors(): GraphRenderer.IColors {
    const style = getComputedStyle(this.node);
    const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
    return {
      text: v('--jp-ui-font-color1', '#222'),
      background: v('--jp-layout-color0', '#fff'),
      edge: v('--jp-border-color1', '#999'),
      node: v('--jp-brand-color1', '#1976d2'),
      selected: v('--jp-warn-color0', '#f57c00'),
    };
  }

  private teardown(): void {
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    this.cy?.destroy();
    this.cy = undefined;
  }

  private cy: Core | undefined;
  private drawn: { directed: boolean; nodes: { length: number } } | undefined;
  private resizeObserver: ResizeObserver | undefined;
  private themeObserver: MutationObserver | undefined;
}

/** Whether cytoscape-dagre has been registered with cytoscape. */
let dagreRegistered = false;

/** The GraphRenderer's options, elements and style. */
export namespace GraphRenderer {
  /** How a graph renderer is made. */
  export interface IOptions {
    mimeType: string;
  }

  /** The class of the renderer's node. */
  export const CLASS = 'tc-GraphRenderer';

  /** The margin, in pixels, kept around the graph when it is fitted to its box. */
  export const PADDING = 16;

  /** From this many nodes on, a graph is drawn for speed: no labels until zoomed in, no dragging nodes. */
  export const LARGE = 500;

  /** The largest zoom a fit goes to: a small graph is centred at a readable size rather than blown up. */
  export const MAX_FIT_ZOOM = 1.5;

  /** Zoom and pan so the whole graph shows in its box, centred. */
  export function fit(cy: Core): void {
    cy.fit(undefined, PADDING);
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
  }

  /** The canvas's box, which carries the cytoscape instance (for scripting and tests). */
  export interface IHost extends HTMLElement {
    tcGraph?: Core;
  }

  /** The theme colours the style uses. */
  export interface IColors {
    text: string;
    background: string;
    edge: string;
    node: string;
    selected: string;
  }

  /** The theme JupyterLab shows now. */
  export function currentTheme(): 'light' | 'dark' {
    return document.body.dataset.jpThemeLight === 'false' ? 'dark' : 'light';
  }

  /** Cytoscape's elements for a graph, at `positions` when they are given. */
  export function elements(graph: IViewGraph, positions?: Map<string, { x: number; y: number }>): ElementDefinition[] {
    const nodes: ElementDefinition[] = graph.nodes.map((n) => ({
      group: 'nodes',
      data: { id: n.id, label: n.label, attrs: n.attrs, ...(n.color ? { color: n.color } : {}) },
      ...(positions ? { position: positions.get(n.id) } : {}),
    }));
    const edges: ElementDefinition[] = graph.edges.map((e) => ({
      group: 'edges',
      data: { id: e.id, source: e.source, target: e.target, attrs: e.attrs },
    }));
    return nodes.concat(edges);
  }

  /**
   * Cytoscape's style: theme colours, arrowheads on a directed graph's edges, labels outlined in
   * the background colour (readable over edges) and hidden while too small to read.
   */
  export function style(graph: { directed: boolean; nodes: { length: number } }, colors: IColors): StylesheetJson {
    const large = graph.nodes.length > LARGE;
    return [
      {
        selector: 'node',
        style: {
          'background-color': colors.node,
          width: large ? 8 : 14,
          height: large ? 8 : 14,
          label: 'data(label)',
          color: colors.text,
          'font-size': 11,
          'font-family': 'var(--jp-ui-font-family), sans-serif',
          'text-valign': 'top',
          'text-margin-y': -3,
          'text-outline-color': colors.background,
          'text-outline-width': 2,
          'min-zoomed-font-size': large ? 9 : 6,
        },
      },
      { selector: 'node[color]', style: { 'background-color': 'data(color)' } },
      {
        selector: 'edge',
        style: {
          width: large ? 0.6 : 1.2,
          'line-color': colors.edge,
          'target-arrow-color': colors.edge,
          'target-arrow-shape': graph.directed ? 'triangle' : 'none',
          'arrow-scale': large ? 0.6 : 0.9,
          // Haystack edges are the fastest but draw no arrowheads; bezier separates parallel edges.
          'curve-style': large ? (graph.directed ? 'straight' : 'haystack') : 'bezier',
        },
      },
      {
        selector: 'node:selected',
        style: { 'background-color': colors.selected, 'border-width': 2, 'border-color': colors.text },
      },
      { selector: 'edge:selected', style: { 'line-color': colors.selected, 'target-arrow-color': colors.selected } },
      { selector: '.tc-faded', style: { opacity: 0.12 } },
    ];
  }
}
