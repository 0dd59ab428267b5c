/**
 * Merging counter increments between flushes leaves every document exactly as one write
 * per event would: same fields, same `_pos`, also when events are replayed after a crash
 * with other batch boundaries, and when a write fails.
 */
import { describe, expect, it } from 'vitest';
import type { Collection, Doc, DocumentStore, Update } from '@booking/shared-kernel';
import { EmbeddedDocumentStore } from '@booking/shared-kernel/adapters';
import { CoalescingDocumentStore } from '../src/runtime/coalescing-document-store.js';

const position = (n: number) => String(n).padStart(20, '0');

interface Write {
  collection: string;
  id: string;
  update: Update;
  pos: string;
}

/** A deterministic pseudo-random history of writes: mostly counters, some other updates. */
function history(events: number, seed = 7): Write[] {
  let state = seed;
  const rand = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const writes: Write[] = [];
  for (let e = 1; e <= events; e++) {
    const pos = position(e);
    // each event writes a few documents, each at most once (as projectors do)
    const ids = new Set<string>();
    for (let k = 0; k < 1 + rand(4); k++) ids.add(`d${rand(6)}`);
    for (const id of ids) {
      const kind = rand(10);
      const update: Update =
        kind < 6
          ? {
              $inc: { placed: 1, [`status.${['A', 'B', 'C'][rand(3)]}`]: rand(5) - 2 },
              $setOnInsert: { day: '2026-11-25', key: id },
            }
          : kind < 8
            ? { $inc: { amount: rand(1000) } }
            : kind < 9
              ? { $set: { label: `l${e}` }, $inc: { placed: 0 } }
              : { $set: { total: rand(100) } };
      writes.push({ collection: rand(3) === 0 ? 'other' : 'counters', id, update, pos });
    }
  }
  return writes;
}

async function applyAll(docs: DocumentStore, writes: readonly Write[], flushEvery: number): Promise<boolean[]> {
  const results: boolean[] = [];
  let lastPos = '';
  let events = 0;
  for (const w of writes) {
    if (w.pos !== lastPos) {
      if (events > 0 && events % flushEvery === 0) await docs.flush();
      events++;
      lastPos = w.pos;
    }
    results.push(await docs.collection(w.collection).upsertAt(w.id, w.update, w.pos));
  }
  await docs.flush();
  return results;
}

async function dump(docs: DocumentStore): Promise<Record<string, Doc[]>> {
  const sorted = (d: Doc[]) => d.sort((a, b) => (a._id < b._id ? -1 : 1));
  return {
    counters: sorted(await docs.collection('counters').find()),
    other: sorted(await docs.collection('other').find()),
  };
}

describe('CoalescingDocumentStore', () => {
  it('ends with the same documents (fields and _pos) as one write per event', async () => {
    const writes = history(400);
    const reference = new EmbeddedDocumentStore({ path: ':memory:' });
    const expected = await applyAll(reference, writes, 1);
    for (const flushEvery of [1, 3, 17, 1000]) {
      const inner = new EmbeddedDocumentStore({ path: ':memory:' });
      const merged = new CoalescingDocumentStore(inner);
      const applied = await applyAll(merged, writes, flushEvery);
      expect(applied).toEqual(expected);
      expect(await dump(inner)).toEqual(await dump(reference));
    }
  });

  it('adds nothing when events are applied again, whatever the batch boundaries of the replay', async () => {
    const writes = history(300, 11);
    const reference = new EmbeddedDocumentStore({ path: ':memory:' });
    await applyAll(reference, writes, 1);

    // a first run wrote everything up to event 200 in batches of 50 ...
    const inner = new EmbeddedDocumentStore({ path: ':memory:' });
    const cut = writes.findIndex((w) => w.pos > position(200));
    await applyAll(new CoalescingDocumentStore(inner), writes.slice(0, cut), 50);
    // ... and the restarted one (nothing remembered) starts again at event 120 in batches of 37
    const from = writes.findIndex((w) => w.pos > position(120));
    await applyAll(new CoalescingDocumentStore(inner), writes.slice(from), 37);
    expect(await dump(inner)).toEqual(await dump(reference));

    // replaying everything once more changes nothing
    const before = await dump(inner);
    const again = await applyAll(new CoalescingDocumentStore(inner), writes, 1000);
    expect(again.every((a) => !a)).toBe(true);
    expect(await dump(inner)).toEqual(before);
  });

  it('shows merged increments to reads and writes them before any other update of the document', async () => {
    const inner = new EmbeddedDocumentStore({ path: ':memory:' });
    const merged = new CoalescingDocumentStore(inner);
    const counters = merged.collection('counters');
    await counters.upsertAt('x', { $inc: { n: 1 }, $setOnInsert: { day: 'd' } }, position(1));
    await counters.upsertAt('x', { $inc: { n: 2 } }, position(2));
    expect(merged.pending).toBe(true);
    expect(await inner.collection('counters').get('x')).toBeNull();
    expect(await counters.get('x')).toEqual({ _id: 'x', day: 'd', n: 3, _pos: position(2) });

    await counters.upsertAt('x', { $inc: { n: 4 } }, position(3));
    await counters.upsertAt('x', { $set: { n: 0 } }, position(4));
    await counters.upsertAt('x', { $inc: { n: 5 } }, position(5));
    expect(await counters.find({ _id: 'x' })).toEqual([{ _id: 'x', day: 'd', n: 5, _pos: position(5) }]);
    // an increment not newer than what the document has is refused, merged or not
    expect(await counters.upsertAt('x', { $inc: { n: 1 } }, position(5))).toBe(false);
    await counters.upsertAt('x', { $inc: { n: 1 } }, position(6));
    expect(await counters.upsertAt('x', { $inc: { n: 1 } }, position(6))).toBe(false);
    await merged.flush();
    expect(await inner.collection('counters').get('x')).toEqual({ _id: 'x', day: 'd', n: 6, _pos: position(6) });
  });

  it('writes first what would clash with the next increment in one update', async () => {
    const writes: Write[] = [
      { collection: 'counters', id: 'x', update: { $inc: { 's.x': 1 }, $setOnInsert: { day: 1 } }, pos: position(1) },
      // legal one by one (day exists then), not within one update with $setOnInsert.day
      { collection: 'counters', id: 'x', update: { $inc: { day: 1 } }, pos: position(2) },
      { collection: 'counters', id: 'x', update: { $inc: { 's.x': 2, 's.y': 1 } }, pos: position(3) },
    ];
    const reference = new EmbeddedDocumentStore({ path: ':memory:' });
    await applyAll(reference, writes, 1);
    const inner = new EmbeddedDocumentStore({ path: ':memory:' });
    await applyAll(new CoalescingDocumentStore(inner), writes, 1000);
    expect(await dump(inner)).toEqual(await dump(reference));
    expect((await dump(inner)).counters).toEqual([{ _id: 'x', day: 2, s: { x: 3, y: 1 }, _pos: position(3) }]);
  });

  it('keeps increments whose write failed, so a checkpoint saved after them waits for them', async () => {
    const inner = new EmbeddedDocumentStore({ path: ':memory:' });
    let failures = 1;
    const flaky: DocumentStore = {
      collection<T extends Doc>(name: string): Collection<T> {
        const c = inner.collection<T>(name);
        const upsertAt = async (id: string, update: Update, pos: string) => {
          if (failures-- > 0) throw new Error('store unreachable');
          return c.upsertAt(id, update, pos);
        };
        return new Proxy(c, {
          get(target, prop) {
            if (prop === 'upsertAt') return upsertAt;
            const value: unknown = Reflect.get(target, prop, target);
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      },
      getCheckpoint: (p) => inner.getCheckpoint(p),
      saveCheckpoint: (p, pos) => inner.saveCheckpoint(p, pos),
      flush: () => inner.flush(),
      close: () => inner.close(),
    };
    const merged = new CoalescingDocumentStore(flaky);
    await merged.collection('counters').upsertAt('x', { $inc: { n: 1 } }, position(1));
    await merged.collection('counters').upsertAt('x', { $inc: { n: 1 } }, position(2));
    await expect(merged.saveCheckpoint('p', position(2))).rejects.toThrow('store unreachable');
    expect(await inner.getCheckpoint('p')).toBeNull();
    await merged.saveCheckpoint('p', position(2));
    expect(await inner.getCheckpoint('p')).toBe(position(2));
    expect(await inner.collection('counters').get('x')).toEqual({ _id: 'x', n: 2, _pos: position(2) });
  });
});
