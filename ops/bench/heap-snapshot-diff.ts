/**
 * What grew between two V8 heap snapshots (`--heapsnapshot-signal`, or the inspector):
 * live objects grouped by node type and constructor name, with the count and self-size
 * deltas, largest growth first. V8 collects garbage before it writes a snapshot, so the
 * snapshots hold only what was still reachable.
 *
 *   npx tsx ops/bench/heap-snapshot-diff.ts <before.heapsnapshot> <after.heapsnapshot> [top=25]
 */
import fs from 'node:fs';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  count: number;
  bytes: number;
}

/** Live objects per "type:name" (e.g. `object:Map`, `string:(string)`, `array:(array)`). */
export function heapGroups(file: string): Map<string, HeapGroup> {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = snap.snapshot.meta.node_fields;
  const typeNames = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = typeNames[snap.nodes[i + typeAt]!]!;
    // strings and numbers are grouped by type: their "name" is the value itself
    const name = ['object', 'closure', 'native'].includes(type) ? snap.strings[snap.nodes[i + nameAt]!]! : `(${type})`;
    const key = `${type}:${name}`;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += snap.nodes[i + sizeAt]!;
    groups.set(key, g);
  }
  return groups;
}

export function heapDiff(before: Map<string, HeapGroup>, after: Map<string, HeapGroup>, top = 25) {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const total = (m: Map<string, HeapGroup>) => [...m.values()].reduce((a, g) => a + g.bytes, 0);
  const rows = [...keys].map((key) => {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    const a = after.get(key) ?? { count: 0, bytes: 0 };
    return {
      group: key,
      countDelta: a.count - b.count,
      kbDelta: Math.round((a.bytes - b.bytes) / 1024),
      kbAfter: Math.round(a.bytes / 1024),
    };
  });
  return {
    liveMbBefore: Math.round((total(before) / 2 ** 20) * 10) / 10,
    liveMbAfter: Math.round((total(after) / 2 ** 20) * 10) / 10,
    topGrowth: rows.sort((x, y) => y.kbDelta - x.kbDelta).slice(0, top),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [before, after, top] = process.argv.slice(2);
  if (!before || !after) throw new Error('usage: heap-snapshot-diff.ts <before> <after> [top]');
  console.log(JSON.stringify(heapDiff(heapGroups(before), heapGroups(after), Number(top ?? 25)), null, 2));
}
