import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME } from '@taskcell/display';
import { GraphRenderer } from './renderers/graph';
import { JobViewRenderer } from './renderers/job';
import { TableRenderer } from './renderers/table';
import { TreeRenderer } from './renderers/tree';

/**
 * The renderers for taskcell's own MIME types. Images and Vega-Lite charts use JupyterLab's
 * renderers, which already handle the standard types `@taskcell/display` emits for them.
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
];

export default extensions;
