import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { FORM_MIME, MIME } from '@taskcell/display';
import { GraphRenderer } from './renderers/graph';
import { ImageRenderer } from './renderers/image';
import { JobViewRenderer } from './renderers/job';
import { LeaderboardRenderer } from './renderers/leaderboard';
import { RunsViewRenderer } from './runs-view';
import { TableRenderer } from './renderers/table';
import { TreeRenderer } from './renderers/tree';
import { VegaRenderer } from './renderers/vega';
import { TaskFormRenderer } from './task-form';

/**
 * The renderers for taskcell's own MIME types, and for Vega and Vega-Lite charts. Rank 0 puts
 * each above the text/html fallback its bundle carries (JupyterLab's HTML renderer ranks 50, its
 * own Vega renderer 57). An image shown by taskcell carries taskcell's image type beside its
 * `image/png` (or JPEG, GIF, SVG), so only those outputs get the zoom toggles; other images keep
 * JupyterLab's renderers.
 */
const extensions: IRenderMime.IExtension[] = [
  {
    id: '@taskcell/jupyterlab:table',
    rendererFactory: { safe: true, mimeTypes: [MIME.table], createRenderer: (o) => new TableRenderer({ mimeType: o.mimeType }) },
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@taskcell/jupyterlab:tree',
    rendererFactory: { safe: true, mimeTypes: [MIME.tree], createRenderer: (o) => new TreeRenderer({ mimeType: o.mimeType }) },
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@taskcell/jupyterlab:image',
    rendererFactory: { safe: true, mimeTypes: [MIME.image], createRenderer: (o) => new ImageRenderer({ mimeType: o.mimeType }) },
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@taskcell/jupyterlab:graph',
    rendererFactory: { safe: true, mimeTypes: [MIME.graph], createRenderer: (o) => new GraphRenderer({ mimeType: o.mimeType }) },
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@taskcell/jupyterlab:job',
    rendererFactory: { safe: true, mimeTypes: [MIME.job], createRenderer: (o) => new JobViewRenderer({ mimeType: o.mimeType }) },
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@taskcell/jupyterlab:leaderboard',
    rendererFactory: {
      safe: true,
      mimeTypes: [MIME.leaderboard],
      createRenderer: (o) => new LeaderboardRenderer({ mimeType: o.mimeType }),
    },
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@taskcell/jupyterlab:runs',
    rendererFactory: { safe: true, mimeTypes: [MIME.runs], createRenderer: (o) => new RunsViewRenderer({ mimeType: o.mimeType }) },
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@taskcell/jupyterlab:task-form',
    rendererFactory: { safe: true, mimeTypes: [FORM_MIME], createRenderer: (o) => new TaskFormRenderer({ mimeType: o.mimeType }) },
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@taskcell/jupyterlab:vega',
    rendererFactory: {
      safe: true,
      mimeTypes: [MIME.vegaLite, MIME.vega],
      createRenderer: (o) => new VegaRenderer({ mimeType: o.mimeType }),
    },
    rank: 0,
    dataType: 'json',
  },
];

export default extensions;
