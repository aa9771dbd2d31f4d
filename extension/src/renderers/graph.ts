import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { IGraph } from '@taskcell/core';
import type { Core, ElementDefinition, EventObject, StylesheetJson } from 'cytoscape';
import { boxHeight, forcePositions, layoutKind, showTooltip, viewGraph } from './graph-layout';
import type { IViewGraph, LayoutKind } from './graph-layout';
import { hasWebGL, webglView } from './graph-webgl';
import type { IWebGLView } from './graph-webgl';

/** The class names of the graph view's parts (styled in style/base.css). */
const CLASS = {
  root: 'tc-GraphRenderer',
  toolbar: 'tc-GraphRenderer-toolbar',
  summary: 'tc-GraphRenderer-summary',
  fit: 'tc-GraphRenderer-fit',
  canvas: 'tc-GraphRenderer-canvas',
  tooltip: 'tc-GraphRenderer-tooltip',
  /** On cytoscape's elements outside a selected node's neighbourhood. */
  faded: 'tc-mod-faded',
} as const;

/**
 * Renders `application/vnd.taskcell.graph+json` (core's graph value) so people can read it.
 *
 * Two libraries, each where it was measured to do best. Up to 2,000 nodes, cytoscape.js on a 2D
 * canvas: it draws arrowheads, parallel edges, self-loops and outlined labels itself and has a
 * layered layout for DAGs (cytoscape-dagre). Beyond that, cytoscape's element model alone takes
 * over a second to build at 5,000 nodes and 20,000 edges, so larger graphs are drawn by sigma
 * (graphology holds the graph) on WebGL, which builds and draws them in a few hundred
 * milliseconds, also on a software WebGL without a GPU; a browser without WebGL gets cytoscape.
 * Node positions for general graphs come from d3-force, whose Barnes-Hut many-body force lays out
 * 5,000 nodes within a fixed time budget where cytoscape's own force layouts take seconds.
 *
 * The graph fills its box and can be zoomed (wheel), panned (drag the background) and fitted
 * again (the Fit button); hovering a node or an edge shows its attributes, selecting a node fades
 * everything but its neighbourhood. Colours are JupyterLab's CSS variables, read again when the
 * theme changes. The libraries are loaded on first use.
 */
export class GraphRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: GraphRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(CLASS.root);
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** Render a model's graph. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const started = performance.now();
    const graph = viewGraph(model.data[this.mimeType] as unknown as IGraph);
    const kind = layoutKind(graph);
    const webgl = kind === 'force' && GraphRenderer.isLarge(graph) && hasWebGL();
    const d3 = await import('d3-force');
    if (this.isDisposed) return;
    this.teardown();
    const { toolbar, host, tooltip } = this.frame(graph, kind);
    const height = boxHeight(graph.nodes.length);
    const width = host.clientWidth || 640;
    const loaded = performance.now();
    const positions = kind === 'force' ? forcePositions(d3, graph, width / height) : undefined;
    const placed = performance.now();
    if (webgl && positions) await this.drawWebGL(graph, positions, toolbar, host, tooltip);
    else await this.drawCanvas(graph, positions, toolbar, host, tooltip);
    if (this.isDisposed) return;
    const built = performance.now();
    requestAnimationFrame(() => {
      // What the first render cost: the force layout, building the view, and drawing its first frame.
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
    Object.assign(this.node.dataset, { tcLayout: kind, tcView: webgl ? 'webgl' : 'canvas', tcTheme: GraphRenderer.currentTheme() });
    this.observeTheme();
  }

  /** Draw with cytoscape on a 2D canvas, at `positions` or (without them) in dagre's layers. */
  private async drawCanvas(
    graph: IViewGraph,
    positions: Map<string, { x: number; y: number }> | undefined,
    toolbar: HTMLElement,
    host: HTMLElement,
    tooltip: HTMLElement,
  ): Promise<void> {
    const [{ default: cytoscape }, { default: dagre }] = await Promise.all([import('cytoscape'), import('cytoscape-dagre')]);
    if (this.isDisposed) return;
    if (!dagreRegistered) {
      cytoscape.use(dagre);
      dagreRegistered = true;
    }
    const cy = cytoscape({
      container: host,
      elements: GraphRenderer.elements(graph, positions),
      style: GraphRenderer.style(graph, this.colors()),
      layout: positions
        ? { name: 'preset', fit: true, padding: GraphRenderer.PADDING }
        : ({ name: 'dagre', rankDir: 'LR', nodeSep: 24, rankSep: 48, fit: true, padding: GraphRenderer.PADDING } as never),
      minZoom: 0.02,
      maxZoom: 8,
      boxSelectionEnabled: false,
      selectionType: 'single',
      autoungrabify: graph.nodes.length > GraphRenderer.LARGE,
      // A large graph pans and zooms as a bitmap and redraws when the gesture ends.
      hideEdgesOnViewport: graph.edges.length > 4 * GraphRenderer.LARGE,
      textureOnViewport: graph.nodes.length > GraphRenderer.LARGE,
      pixelRatio: graph.nodes.length > GraphRenderer.LARGE ? 1 : 'auto',
    });
    this.cy = cy;
    (host as GraphRenderer.IHost).tcGraph = cy;
    const drawn = { directed: graph.directed, nodes: { length: graph.nodes.length } };
    this.restyle = () => cy.style(GraphRenderer.style(drawn, this.colors()));
    GraphRenderer.fit(cy);
    this.wire(cy, toolbar, tooltip);
  }

  /** Draw a large graph with sigma on WebGL at `positions`. */
  private async drawWebGL(
    graph: IViewGraph,
    positions: Map<string, { x: number; y: number }>,
    toolbar: HTMLElement,
    host: HTMLElement,
    tooltip: HTMLElement,
  ): Promise<void> {
    const view = await webglView(host, tooltip, graph, positions, this.colors());
    if (this.isDisposed) {
      view.kill();
      return;
    }
    this.webgl = view;
    (host as GraphRenderer.IHost).tcSigma = view.sigma;
    this.restyle = () => view.restyle(this.colors());
    (toolbar.querySelector(`.${CLASS.fit}`) as HTMLElement).onclick = () => view.fit();
    this.resizeObserver = new ResizeObserver(() => view.sigma.refresh());
    this.resizeObserver.observe(host);
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
    toolbar.className = CLASS.toolbar;
    const summary = toolbar.appendChild(document.createElement('span'));
    summary.className = CLASS.summary;
    summary.textContent =
      `${graph.directed ? 'directed' : 'undirected'} graph, ${graph.nodes.length} nodes, ` + `${graph.edges.length} edges, ${kind} layout`;
    const fit = toolbar.appendChild(document.createElement('button'));
    fit.className = `${CLASS.fit} jp-Button`;
    fit.type = 'button';
    fit.textContent = 'Fit';
    fit.title = 'Zoom to fit the whole graph';
    const host = document.createElement('div');
    host.className = CLASS.canvas;
    host.style.height = `${boxHeight(graph.nodes.length)}px`;
    const tooltip = document.createElement('div');
    tooltip.className = CLASS.tooltip;
    tooltip.hidden = true;
    host.appendChild(tooltip);
    this.node.replaceChildren(toolbar, host);
    return { toolbar, host, tooltip };
  }

  /** Fit, tooltips, neighbour highlighting, and refitting while the user has not moved the view. */
  private wire(cy: Core, toolbar: HTMLElement, tooltip: HTMLElement): void {
    let moved = false;
    cy.on('scrollzoom pinchzoom dragpan', () => (moved = true));
    (toolbar.querySelector(`.${CLASS.fit}`) as HTMLElement).onclick = () => {
      GraphRenderer.fit(cy);
      moved = false;
    };
    cy.on('mouseover', 'node, edge', (e: EventObject) =>
      showTooltip(tooltip, e.target.data('attrs') as Record<string, unknown>, e.renderedPosition.x, e.renderedPosition.y),
    );
    cy.on('mouseout', 'node, edge', () => (tooltip.hidden = true));
    cy.on('viewport', () => (tooltip.hidden = true));
    cy.on('select', 'node', (e: EventObject) => {
      cy.batch(() => {
        cy.elements().addClass(CLASS.faded);
        e.target.closedNeighborhood().removeClass(CLASS.faded);
      });
    });
    cy.on('unselect', 'node', () => cy.batch(() => cy.elements().removeClass(CLASS.faded)));
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
      if (!this.restyle || this.node.dataset.tcTheme === theme) return;
      // The new theme's stylesheet may still be loading: read its variables on the next frame.
      requestAnimationFrame(() => {
        this.restyle?.();
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
      font: v('--jp-ui-font-family', 'sans-serif'),
    };
  }

  private teardown(): void {
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    this.cy?.destroy();
    this.cy = undefined;
    this.webgl?.kill();
    this.webgl = undefined;
    this.restyle = undefined;
  }

  private cy: Core | undefined;
  private webgl: IWebGLView | undefined;
  private restyle: (() => void) | undefined;
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

  /** The margin, in pixels, kept around the graph when it is fitted to its box. */
  export const PADDING = 16;

  /** From this many nodes on, a graph is drawn for speed: no labels until zoomed in, no dragging nodes. */
  export const LARGE = 500;

  /** Whether a graph is drawn with WebGL (when the browser has it): above 2,000 nodes or 8,000 edges. */
  export function isLarge(graph: IViewGraph): boolean {
    return graph.nodes.length > 2000 || graph.edges.length > 8000;
  }

  /** The largest zoom a fit goes to: a small graph is centred at a readable size rather than blown up. */
  export const MAX_FIT_ZOOM = 1.5;

  /** The most a small graph's layout is stretched, along either axis, to fill its box. */
  export const MAX_SPREAD = 6;

  /**
   * Zoom and pan so the whole graph shows in its box, centred. A graph of up to LARGE nodes is first
   * spread out to fill its box (never drawn closer together), so a few nodes fill a wide output at
   * their readable size rather than sitting small in its middle.
   */
  export function fit(cy: Core): void {
    const host = cy.container();
    if (host && cy.nodes().length > 1 && cy.nodes().length <= LARGE) spread(cy, host.clientWidth, host.clientHeight);
    cy.fit(undefined, PADDING);
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
  }

  /** Stretch the node positions, about their centre, so that at zoom 1 they fill a box of w × h less room for labels. */
  export function spread(cy: Core, w: number, h: number): void {
    const bb = cy.nodes().boundingBox({ includeLabels: false, includeOverlays: false });
    const room = { w: w - 2 * PADDING - 48, h: h - 2 * PADDING - 32 };
    const factor = (want: number, have: number): number => (have > 1 && want > have ? Math.min(MAX_SPREAD, want / have) : 1);
    const sx = factor(room.w, bb.w);
    const sy = factor(room.h, bb.h);
    if (sx === 1 && sy === 1) return;
    const mid = { x: bb.x1 + bb.w / 2, y: bb.y1 + bb.h / 2 };
    cy.nodes().positions((n) => {
      const p = n.position();
      return { x: mid.x + (p.x - mid.x) * sx, y: mid.y + (p.y - mid.y) * sy };
    });
  }

  /** The canvas's box, which carries the cytoscape instance (for scripting and tests). */
  export interface IHost extends HTMLElement {
    tcGraph?: Core;
    tcSigma?: IWebGLView['sigma'];
  }

  /** The theme colours the style uses. */
  export interface IColors {
    text: string;
    background: string;
    edge: string;
    node: string;
    selected: string;
    font: string;
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
          'font-family': colors.font,
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
      { selector: `.${CLASS.faded}`, style: { opacity: 0.12 } },
    ];
  }
}
