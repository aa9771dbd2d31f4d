import type { IDisposable } from '../../events';
import type { INestedTree } from '../../types';
import type { FormatRegistry, Validator } from '../registry';
import { nestedToJson, parseNestedJson, validateNestedTree } from './nested';
import { parseNewick, writeNewick } from './newick';
import { parseNexus, writeNexus } from './nexus';
import { parsePhyloxml, writePhyloxml } from './phyloxml';

/**
 * The `tree` type: `nested` (native), `nested.json`, `newick`, `nexus` and `phyloxml`, with a
 * direct converter between `nested` and each of the others, so every path is at most two hops
 * through `nested`. Text formats validate as any string, as in Girder Worker; a malformed text
 * fails in its converter with a ValidationError giving line and column.
 *
 * Girder Worker read Newick and Nexus only through R (`r.apetree`) and had no PhyloXML converter.
 * `r.apetree` (ape trees, held by R) and the converters to `treestore` (Arbor's BSON layout, made
 * from ape trees) register with the R formats (`formats/r/r-formats.ts`).
 */
export function registerTreeFormats(registry: FormatRegistry): IDisposable[] {
  const type = 'tree';
  const isString: Validator = (v) =>
    typeof v === 'string' || `expected a string, got ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}`;
  const d: IDisposable[] = [];
  d.push(registry.registerType({ name: type, nativeFormat: 'nested', description: 'A rooted tree with named nodes and branch lengths' }));
  d.push(
    registry.registerFormat({ type, format: 'nested', validate: validateNestedTree, description: "Girder Worker's nested tree object" }),
  );
  d.push(registry.registerFormat({ type, format: 'nested.json', validate: isString, text: true, extensions: ['nested-json'] }));
  d.push(
    registry.registerFormat({
      type,
      format: 'newick',
      validate: isString,
      text: true,
      extensions: ['phy', 'tre', 'tree', 'nwk', 'newick'],
    }),
  );
  d.push(registry.registerFormat({ type, format: 'nexus', validate: isString, text: true, extensions: ['nex'] }));
  d.push(registry.registerFormat({ type, format: 'phyloxml', validate: isString, text: true }));
  // Arbor's TreeStore layout: concatenated BSON documents. Girder Worker made it only from R trees
  // (ape); its one converter, from r.apetree, registers with the R formats.
  d.push(
    registry.registerFormat({
      type,
      format: 'treestore',
      binary: true,
      validate: (v) =>
        v instanceof Uint8Array || `expected treestore bytes (concatenated BSON documents), got ${v === null ? 'null' : typeof v}`,
      description: "Arbor's TreeStore documents, as BSON bytes",
    }),
  );

  // Girder Worker's two native edges first, then the ones that replace its R converters.
  const edges: Array<[string, string, (data: unknown) => unknown]> = [
    ['nested', 'nested.json', (t) => nestedToJson(t as INestedTree)],
    ['nested', 'newick', (t) => writeNewick(t as INestedTree)],
    ['nested.json', 'nested', (s) => parseNestedJson(s as string)],
    ['newick', 'nested', (s) => parseNewick(s as string)],
    ['nested', 'nexus', (t) => writeNexus(t as INestedTree)],
    ['nexus', 'nested', (s) => parseNexus(s as string)],
    ['nested', 'phyloxml', (t) => writePhyloxml(t as INestedTree)],
    ['phyloxml', 'nested', (s) => parsePhyloxml(s as string)],
  ];
  for (const [from, to, convert] of edges) d.push(registry.registerConverter({ type, from, to, convert }));
  return d;
}
