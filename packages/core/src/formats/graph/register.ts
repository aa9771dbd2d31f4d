import type { IDisposable } from '../../events';
import type { FormatRegistry, Validator } from '../registry';
import { parseAdjacencyList, writeAdjacencyList } from './adjacency-list';
import { parseCliqueJson, writeCliqueJson } from './clique';
import { validateGraph } from './graph';
import type { IGraph } from './graph';
import { parseGraphml, writeGraphml } from './graphml';
import { parseNodeLinkJson, writeNodeLinkJson } from './node-link';

/**
 * The `graph` type: the pivot (`IGraph`, see `graph.ts`) under Girder Worker's format name
 * `networkx`, and `networkx.json`, `graphml`, `adjacencylist` and `clique.json`, each with a
 * converter to and from the pivot, as in Girder Worker, so every other path is two hops through
 * it. Text formats validate as any string, as in Girder Worker; malformed text fails in its
 * converter with a ValidationError.
 */
export function registerGraphFormats(registry: FormatRegistry): IDisposable[] {
  const type = 'graph';
  const isString: Validator = (v) =>
    typeof v === 'string' || `expected a string, got ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}`;
  const d: IDisposable[] = [];
  d.push(registry.registerType({ name: type, nativeFormat: 'networkx', description: 'A graph: nodes, edges and their attributes' }));
  d.push(
    registry.registerFormat({
      type,
      format: 'networkx',
      validate: validateGraph,
      description: 'Plain-data graph {directed, multigraph, graph, nodes, edges}',
    }),
  );
  d.push(registry.registerFormat({ type, format: 'networkx.json', validate: isString, text: true, extensions: ['networkx-json'] }));
  d.push(registry.registerFormat({ type, format: 'graphml', validate: isString, text: true, extensions: ['graphml', 'gml'] }));
  d.push(registry.registerFormat({ type, format: 'adjacencylist', validate: isString, text: true, extensions: ['txt'] }));
  d.push(registry.registerFormat({ type, format: 'clique.json', validate: isString, text: true, extensions: ['clique-json'] }));

  // Girder Worker's converters, in the order its format directory listed them.
  const edges: Array<[string, string, (data: unknown) => unknown]> = [
    ['adjacencylist', 'networkx', (s) => parseAdjacencyList(s as string)],
    ['clique.json', 'networkx', (s) => parseCliqueJson(s as string)],
    ['graphml', 'networkx', (s) => parseGraphml(s as string)],
    ['networkx', 'adjacencylist', (g) => writeAdjacencyList(g as IGraph)],
    ['networkx', 'clique.json', (g) => writeCliqueJson(g as IGraph)],
    ['networkx', 'graphml', (g) => writeGraphml(g as IGraph)],
    ['networkx', 'networkx.json', (g) => writeNodeLinkJson(g as IGraph)],
    ['networkx.json', 'networkx', (s) => parseNodeLinkJson(s as string)],
  ];
  for (const [from, to, convert] of edges) d.push(registry.registerConverter({ type, from, to, convert }));
  return d;
}
