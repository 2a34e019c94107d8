/** TreeNode is anything with an id and children, like Menu and Department. */
export interface TreeNode {
  id: string;
  children: readonly TreeNode[];
}

/** walk visits every node of a forest, parents before children. */
export function walk<T extends TreeNode>(nodes: readonly T[], fn: (n: T, parent?: T) => void, parent?: T): void {
  for (const n of nodes) {
    fn(n, parent);
    walk(n.children as readonly T[], fn, n);
  }
}

/** descendants returns the ids below a node. */
export function descendants(n: TreeNode): string[] {
  const out: string[] = [];
  walk(n.children, (c) => out.push(c.id));
  return out;
}

/** parentMap maps each id to its parent's id. */
export function parentMap(nodes: readonly TreeNode[]): Map<string, string> {
  const m = new Map<string, string>();
  walk(nodes, (n, p) => {
    if (p) m.set(n.id, p.id);
  });
  return m;
}
