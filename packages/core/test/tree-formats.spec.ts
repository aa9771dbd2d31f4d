import { readFileSync } from 'node:fs';
import {
  ValidationError,
  createRunner,
  nestedToJson,
  parseNestedJson,
  parseNewick,
  parseNexus,
  parsePhyloxml,
  validateNestedTree,
  writeNewick,
  writeNexus,
  writePhyloxml,
} from '@taskcell/core';
import type { INestedTree } from '@taskcell/core';
import { SHARED, loadCases, rawPath } from '../../../test/conformance/harness';
import { thrown } from './helpers';

const runner = createRunner();
const FORMATS = ['nested', 'nested.json', 'newick', 'nexus', 'phyloxml'];
const convert = (from: string, to: string, data: unknown) => runner.formats.convert('tree', from, to, data);

/** The tree corpora: Girder Worker's Newick files and the case inputs. */
const cases = loadCases('tree.json').cases;
const corpora: Record<string, string> = {
  'anolis.phy': readFileSync(rawPath('raw/girder_worker/plugins/r/tests/data/anolis.phy'), 'utf8'),
  'geospiza_from_otl.phy': readFileSync(rawPath('raw/tests/data/geospiza_from_otl.phy'), 'utf8'),
  'test_newick input': (cases.find((c) => c.name === 'tree.TestTree.test_newick')!.input as { a: { data: string } }).a.data,
};
const nexusInput = (cases.find((c) => c.name === 'tree.TestTree.test_r#nexus')!.input as { a: { data: string } }).a.data;

/** Every node, preorder. */
function nodes(tree: INestedTree): INestedTree[] {
  const out: INestedTree[] = [];
  const todo = [tree];
  while (todo.length) {
    const n = todo.pop()!;
    out.push(n);
    for (let i = (n.children ?? []).length - 1; i >= 0; i--) todo.push(n.children![i]);
  }
  return out;
}

describe('tree formats: round trips on the corpora', () => {
  for (const [name, text] of Object.entries(corpora)) {
    describe(name, () => {
      const tree = parseNewick(text);

      test('newick -> nested -> newick gives the text back', () => {
        expect(convert('nested', 'newick', convert('newick', 'nested', text))).toBe(text.trim());
      });

      for (const a of FORMATS) {
        for (const b of FORMATS) {
          if (a === b) continue;
          test(`nested -> ${a} -> ${b} -> nested keeps the tree`, () => {
            const there = convert('nested', a, tree);
            const across = convert(a, b, there);
            expect(convert(b, 'nested', across)).toEqual(tree);
          });
        }
      }
    });
  }

  test('the nexus case input reads through its TRANSLATE table and round trips', () => {
    const tree = parseNexus(nexusInput);
    expect(writeNewick(tree)).toBe('((A:1,B:1):1,(C:1,D:1):1);');
    expect(parseNexus(writeNexus(tree))).toEqual(tree);
    for (const f of FORMATS) expect(convert(f, 'nested', convert('nexus', f, nexusInput))).toEqual(tree);
  });
});

describe('nested trees', () => {
  test('node weight is the float distance from the root, summed as Girder Worker summed it', () => {
    const tree = parseNewick(corpora['anolis.phy']);
    const all = nodes(tree);
    const leaves = all.filter((n) => !n.children);
    expect(leaves).toHaveLength(100);
    expect(all).toHaveLength(199);
    // anolis is ultrametric: every tip sits at the same distance from the root (about 1).
    const depths = leaves.map((n) => n.node_data!['node weight'] as number);
    expect(Math.max(...depths) - Math.min(...depths)).toBeLessThan(1e-9);
    expect(depths[0]).toBeCloseTo(1, 6);
    expect(tree.node_data).toEqual({ 'node name': '', 'node weight': 0 });
    expect(tree.edge_data).toBeUndefined();
    expect([tree.node_fields, tree.edge_fields]).toEqual([['node name', 'node weight'], ['weight']]);
  });

  test('nested.json writes weights as Python floats and reads back', () => {
    const tree = parseNewick('((ahli:0,allogus:1):2,rubribarbus:3);');
    const text = nestedToJson(tree);
    expect(text).toBe(
      '{"node_data": {"node name": "", "node weight": 0.0}, "children": [{"node_data": {"node name": "", "node weight": 2.0}, ' +
        '"children": [{"node_data": {"node name": "ahli", "node weight": 2.0}, "edge_data": {"weight": 0.0}}, ' +
        '{"node_data": {"node name": "allogus", "node weight": 3.0}, "edge_data": {"weight": 1.0}}], "edge_data": {"weight": 2.0}}, ' +
        '{"node_data": {"node name": "rubribarbus", "node weight": 3.0}, "edge_data": {"weight": 3.0}}], ' +
        '"node_fields": ["node name", "node weight"], "edge_fields": ["weight"]}',
    );
    expect(parseNestedJson(text)).toEqual(tree);
    expect(nestedToJson({ node_data: { 'node name': 'é', 'node weight': 0.5, other: 2 } })).toBe(
      '{"node_data": {"node name": "\\u00e9", "node weight": 0.5, "other": 2}}',
    );
  });

  test('the validator accepts any object tree and says where a bad one goes wrong', () => {
    expect(validateNestedTree({})).toBe(true);
    expect(validateNestedTree([])).toMatch(/expected a nested tree \(an object\), got a list/);
    expect(validateNestedTree({ children: [{ children: [{}, { edge_data: [1] }] }] })).toBe(
      'children[0].children[1].edge_data is a list, expected an object',
    );
    expect(validateNestedTree({ children: {} })).toBe('children is an object, expected a list of nodes');
    const shared = {};
    expect(validateNestedTree({ children: [shared, shared] })).toMatch(/^children\[1\] appears twice/);
    expect(runner.formats.isValid('tree', 'nested', {})).toBe(true);
    expect(runner.formats.isValid('tree', 'nested', [])).toBe(false);
    expect(runner.formats.isValid('tree', 'newick', '(a,b);')).toBe(true);
  });
});

describe('newick', () => {
  test('internal node names, non-binary nodes and no branch lengths', () => {
    const text = corpora['geospiza_from_otl.phy'];
    const tree = parseNewick(text);
    expect(tree.children!.map((c) => c.node_data!['node name'])).toEqual(['Geospiza', 'Protostomia']);
    expect(tree.children!.map((c) => c.children!.length)).toEqual([6, 2]);
    expect(nodes(tree).every((n) => n.edge_data === undefined && n.node_data!['node weight'] === 0)).toBe(true);
    expect(writeNexus(tree)).toContain('TREE * UNTITLED = [&R] ((1,2,3,4,5,6)Geospiza,(7,8)Protostomia);');
    expect(writeNexus(parseNewick('(a,b,c);'))).toContain('[&U] (1,2,3);');
  });

  test('quoted labels, comments, blanks, exponents, a root name and a root length', () => {
    const text = "[head] ( 'Homo sapiens':1e-3 , 'it''s'[&&NHX:S=x] :+2.5E1,\n\"q (x)\":.5 , _u_:3. )Root:7 ;";
    const tree = parseNewick(text);
    expect(tree.node_data!['node name']).toBe('Root');
    expect(tree.edge_data).toBeUndefined();
    expect(tree.children!.map((c) => [c.node_data!['node name'], c.edge_data!.weight])).toEqual([
      ['Homo sapiens', 0.001],
      ["it's", 25],
      ['q (x)', 0.5],
      ['_u_', 3],
    ]);
    expect(writeNewick(tree)).toBe("('Homo sapiens':0.001,'it''s':25,'q (x)':0.5,_u_:3)Root;");
    expect(parseNewick(writeNewick(tree))).toEqual(tree);
  });

  test('empty leaves, a single node, and a missing final semicolon', () => {
    expect(writeNewick(parseNewick('(,);'))).toBe('(,);');
    expect(parseNewick('A;')).toEqual({
      node_data: { 'node name': 'A', 'node weight': 0 },
      node_fields: ['node name', 'node weight'],
      edge_fields: ['weight'],
    });
    expect(parseNewick('(a:1,b:2)')).toEqual(parseNewick('(a:1,b:2);'));
  });

  test('a missing length leaves the node without edge_data (ete3 wrote :1, ape gave NA)', () => {
    const tree = parseNewick('(a:1,(b,c:2):0.5);');
    const [, inner] = tree.children!;
    expect(inner.children![0].edge_data).toBeUndefined();
    expect(inner.children![0].node_data!['node weight']).toBe(0.5);
    expect(inner.children![1].node_data!['node weight']).toBe(2.5);
    expect(writeNewick(tree)).toBe('(a:1,(b,c:2):0.5);');
  });

  test.each([
    ['((ahli:0,allogus:1;', 1, 19, "expected ',' or ')' at line 1, column 19, got ';'"],
    ['(a,\n (b c));', 2, 5, "expected ',' or ')' at line 2, column 5, got 'c'"],
    ['(a:x,b);', 1, 4, "expected a branch length (a number) at line 1, column 4, got 'x'"],
    ['(a:1e,b);', 1, 6, 'expected the digits of an exponent at line 1, column 6'],
    ["(a,\r\n'b);", 2, 1, 'expected a closing quote for this label at line 2, column 1'],
    ['(a,b)[note;', 1, 6, "expected a ']' closing this comment at line 1, column 6"],
    ['  \n', 2, 1, 'expected a tree at line 2, column 1, got end of input'],
    ['(a,b', 1, 5, "expected ',' or ')' at line 1, column 5, got end of input"],
    ['(a,b);(c,d);', 1, 7, "expected end of input after the tree's ';' (one tree per text) at line 1, column 7"],
    ['(a,b)c d;', 1, 8, "expected ';' at line 1, column 8, got 'd'"],
  ])('parse error in %j at line %i, column %i', (text, line, column, message) => {
    const err = thrown<ValidationError>(() => convert('newick', 'nested', text));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.code).toBe('taskcell:validation');
    expect(err.message).toContain('Invalid newick text (type "tree")');
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ type: 'tree', format: 'newick', line, column });
  });

  /** A caterpillar: every internal node has a leaf and the next internal node as children. */
  const caterpillar = (depth: number) =>
    `${'('.repeat(depth)}z:1${Array.from({ length: depth }, (_, i) => `,a${i}:1)${i < depth - 1 ? ':1' : ''}`).join('')};`;

  test('a 100,000-deep caterpillar tree parses and writes without recursion', () => {
    const depth = 100000;
    const text = caterpillar(depth);
    const tree = parseNewick(text);
    expect(writeNewick(tree)).toBe(text);
    let deepest = tree;
    while (deepest.children) deepest = deepest.children[0];
    expect(deepest.node_data).toEqual({ 'node name': 'z', 'node weight': depth });
    expect(validateNestedTree(tree)).toBe(true);
    expect(parseNestedJson(nestedToJson(tree)).children!.length).toBe(2);
    expect(writeNewick(parseNexus(writeNexus(tree)))).toBe(text);
  });

  test('a 10,000-deep caterpillar tree round trips through PhyloXML (one element per level)', () => {
    const text = caterpillar(10000);
    expect(writeNewick(parsePhyloxml(writePhyloxml(parseNewick(text))))).toBe(text);
  });
});

describe('nexus', () => {
  test('skips other blocks and commands, reads UTREE, quoted names and the first tree', () => {
    const text = [
      '#nexus',
      'begin data; dimensions ntax=2 nchar=3; format datatype=dna; matrix a ACG b ACT; end;',
      '[a comment]',
      'BEGIN TREES;',
      "  TITLE 'my trees';",
      "  TRANSLATE 1 'Homo sapiens', 2 b, 3 c;",
      "  UTREE 'first one' = [&U] (1:1,(2:2,3:3)inner:0.5);",
      '  TREE second = (1,2);',
      'ENDBLOCK;',
    ].join('\n');
    const tree = parseNexus(text);
    expect(writeNewick(tree)).toBe("('Homo sapiens':1,(b:2,c:3)inner:0.5);");
    expect(writeNexus(tree)).toContain("\t\t1\t'Homo sapiens',\n\t\t2\tb,\n\t\t3\tc\n\t;");
  });

  test.each([
    ['BEGIN TREES; TREE t = (a,b); END;', 1, 1, "expected '#NEXUS' at line 1, column 1, got 'BEGIN'"],
    ['#NEXUS\nBEGIN TAXA;\n TAXLABELS a b;\n', 4, 1, "expected 'END;' closing the TAXA block at line 4, column 1, got end of input"],
    ['#NEXUS\nBEGIN TREES;\n TREE t = (a,b c);\nEND;', 3, 16, "expected ',' or ')' at line 3, column 16, got 'c'"],
    ['#NEXUS\nBEGIN TREES;\n TRANSLATE 1 a 2 b;\nEND;', 3, 16, "expected ',' or ';' in the TRANSLATE table at line 3, column 16, got '2'"],
    ['#NEXUS\nBEGIN TAXA; END;', 2, 17, 'expected a TREE statement in a TREES block at line 2, column 17, got end of input'],
    ['#NEXUS\nBEGIN TREES;\n TREE t (a,b);\nEND;', 3, 9, "expected '=' at line 3, column 9, got '(a'"],
  ])('parse error in %j at line %i, column %i', (text, line, column, message) => {
    const err = thrown<ValidationError>(() => convert('nexus', 'nested', text));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ type: 'tree', format: 'nexus', line, column });
  });
});

describe('phyloxml', () => {
  test('reads names and branch lengths from elements or attributes, and ignores other clade data', () => {
    const text = `<?xml version="1.0"?>
<phy:phyloxml xmlns:phy="http://www.phyloxml.org">
  <phy:phylogeny rooted="true">
    <phy:name>example</phy:name>
    <phy:clade branch_length="9">
      <phy:clade branch_length="0.5">
        <phy:name>A &amp; B</phy:name>
        <phy:confidence type="bootstrap">89</phy:confidence>
      </phy:clade>
      <phy:clade>
        <phy:name> C </phy:name>
        <phy:branch_length>1.5</phy:branch_length>
        <phy:taxonomy><phy:scientific_name>Ca</phy:scientific_name></phy:taxonomy>
      </phy:clade>
    </phy:clade>
  </phy:phylogeny>
</phy:phyloxml>`;
    const tree = parsePhyloxml(text);
    expect(writeNewick(tree)).toBe("('A & B':0.5,C:1.5);");
    expect(tree.children![1].node_data).toEqual({ 'node name': 'C', 'node weight': 1.5 });
    expect(writePhyloxml(tree)).toContain('<name>A &amp; B</name>');
  });

  test.each([
    [
      '<phyloxml>\n  <phylogeny><clade></phylogeny>\n</phyloxml>',
      2,
      21,
      "expected well-formed XML at line 2, column 21: Expected closing tag 'clade'",
    ],
    ['<trees/>', 1, 1, 'expected a <phyloxml> root element, got <trees>'],
    ['<phyloxml>\n <phylogeny/>\n</phyloxml>', 2, 2, 'expected a <clade> element in <phylogeny>, got none'],
    [
      '<phyloxml><phylogeny><clade>\n<clade><branch_length>x</branch_length></clade></clade></phylogeny></phyloxml>',
      2,
      8,
      'expected a branch length (a number), got "x"',
    ],
  ])('error in %j at line %i, column %i', (text, line, column, message) => {
    const err = thrown<ValidationError>(() => convert('phyloxml', 'nested', text));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ type: 'tree', format: 'phyloxml', line, column });
  });
});

describe('nested.json errors', () => {
  test.each([
    ['{"children": [}', 1, 15, 'expected a JSON value at line 1, column 15'],
    ['{\n  "node_data": {"node name": "a",}\n}', 2, 34, 'expected a double-quoted property name at line 2, column 34'],
    ['[1, 2]', undefined, undefined, 'expected a nested tree (an object), got a list'],
  ])('%j', (text, line, column, message) => {
    const err = thrown<ValidationError>(() => convert('nested.json', 'nested', text));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ type: 'tree', format: 'nested.json', line, column });
  });
});

describe('tree converter paths', () => {
  const paths = JSON.parse(readFileSync(`${SHARED}/conversion_paths.json`, 'utf8')) as Record<
    'types_only' | 'types_and_r',
    { reachable: Array<{ type: string; from: string; to: string; path: string[] }> }
  >;

  test("equal Girder Worker's shortest paths where it needed no R", () => {
    const tree = paths.types_only.reachable.filter((r) => r.type === 'tree');
    expect(tree.length).toBeGreaterThan(0);
    for (const r of tree) expect([r.from, r.to, runner.formats.converterPath('tree', r.from, r.to)]).toEqual([r.from, r.to, r.path]);
  });

  test('replace the R paths by native ones, never longer', () => {
    // Where Girder Worker needed R, it went through r.apetree: newick -> nested was
    // [newick, r.apetree, nested], nexus -> newick was [nexus, r.apetree, newick], nested -> nexus
    // was [nested, newick, r.apetree, nexus]. taskcell converts Newick, Nexus and PhyloXML to and
    // from nested directly, so those are [newick, nested], [nexus, nested, newick] and
    // [nested, nexus]. A pair that reaches or leaves r.apetree (an ape tree, held by R) or treestore
    // (made only from ape trees) takes Girder Worker's path through R.
    const native = ['nested', 'nested.json', 'newick', 'nexus', 'phyloxml'];
    for (const r of paths.types_and_r.reachable.filter((x) => x.type === 'tree')) {
      if (!native.includes(r.from) || !native.includes(r.to)) {
        expect([r.from, r.to, runner.formats.converterPath('tree', r.from, r.to)]).toEqual([r.from, r.to, r.path]);
        continue;
      }
      const ours = runner.formats.converterPath('tree', r.from, r.to)!;
      expect(ours.length).toBeLessThanOrEqual(r.path.length);
      if (!r.path.includes('r.apetree')) expect(ours).toEqual(r.path);
    }
    for (const a of native) {
      for (const b of native) {
        if (a === b) continue;
        expect(runner.formats.converterPath('tree', a, b)).toEqual(a === 'nested' || b === 'nested' ? [a, b] : [a, 'nested', b]);
      }
    }
    expect(runner.formats.converterPath('tree', 'newick', 'nested')).toEqual(['newick', 'nested']);
  });
});
