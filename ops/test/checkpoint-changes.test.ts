/**
 * Read-model changes seen through a projector's checkpoint (a read-api process without a
 * projector): a listener hears each durable move once, and nothing after it unsubscribes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, formatPosition, sortablePosition, type GlobalPosition } from '@booking/shared-kernel';
import { EmbeddedDocumentStore } from '@booking/shared-kernel/adapters';
import { checkpointChanges } from '../platform/checkpoint-changes.js';
import { eventually } from '../test-support/harness.js';

const at = (n: number): GlobalPosition => ({ commit: BigInt(n), prepare: BigInt(n) });

describe('checkpointChanges', () => {
  const docs = new EmbeddedDocumentStore({ path: ':memory:' });
  afterEach(async () => {
    await docs.close();
  });

  it('reports each new checkpoint of the projector once', async () => {
    const heard: string[] = [];
    const changes = checkpointChanges(docs, createLogger({ level: 'silent' }), 5);
    const unsubscribe = changes.subscribe('bookings', (p) => heard.push(formatPosition(p)));

    await docs.saveCheckpoint('bookings', sortablePosition(at(3)));
    await docs.saveCheckpoint('payments-other', sortablePosition(at(9)));
    await docs.flush();
    await eventually(async () => heard.length === 1);
    await docs.saveCheckpoint('bookings', sortablePosition(at(7)));
    await docs.flush();
    await eventually(async () => heard.length === 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(heard).toEqual(['3', '7']);

    unsubscribe();
    await docs.saveCheckpoint('bookings', sortablePosition(at(8)));
    await docs.flush();
    await new Promise((r) => setTimeout(r, 30));
    expect(heard).toEqual(['3', '7']);
  });
});
