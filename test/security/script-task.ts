/** A Girder Worker JSON spec of a javascript script task; each port is `id: "type"` or `id: "type/format"` (the format defaults to the type). */
export function scriptTask(name: string, script: string, inputs: Record<string, string>, outputs: Record<string, string>) {
  const ports = (ps: Record<string, string>) =>
    Object.entries(ps).map(([id, t]) => {
      const [type, format = type] = t.split('/');
      return { id, type, format };
    });
  return { name, mode: 'javascript', script, inputs: ports(inputs), outputs: ports(outputs) };
}
