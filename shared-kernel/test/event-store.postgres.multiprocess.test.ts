/**
 * Two OS processes append to the same PostgreSQL streams at once; a subscriber in this
 * process must see every event exactly once, in log order, and no revision may be won
 * twice. Runs when POSTGRES_URL is set (`npm run test:integration` sets it).
 *
 * This file is also the child program: with PG_ES_CHILD set it is run by tsx (not by
 * vitest), appends, prints what it won as JSON and exits.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresEventStore } from '../src/adapters/event-store/postgres-event-store.js';
import {
  START,
  WrongExpectedRevisionError,
  comparePositions,
  type ExpectedRevision,
  type RecordedEvent,
} from '../src/ports/event-store.js';
import { v7 as uuidv7 } from 'uuid';
import type { NewEvent } from '../src/ports/event-store.js';

// (not the contract's newEvent: that module imports vitest, which the child cannot load)
function newEvent(type: string, data: Record<string, unknown>): NewEvent {
  return {
    type,
    data,
    metadata: {
      eventId: uuidv7(),
      correlationId: uuidv7(),
      causationId: uuidv7(),
      actor: { id: 'multiprocess-test', role: 'system' },
      schemaVersion: 1,
      recordedAt: new Date().toISOString(),
    },
  };
}

interface Win {
  readonly streamId: string;
  readonly revision: string;
  readonly eventIds: string[];
  readonly position: string;
}

const STREAMS = 4;
const WRITERS_PER_CHILD = 4;
const WINS_PER_WRITER = 25;

async function child(): Promise<void> {
  const store = await PostgresEventStore.connect({
    connectionString: process.env.POSTGRES_URL!,
    schema: process.env.PG_ES_SCHEMA!,
    urlVariable: 'POSTGRES_URL',
  });
  const startAt = Number(process.env.PG_ES_START_AT);
  const me = process.env.PG_ES_CHILD!;
  while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 5));
  const wins: Win[] = [];
  await Promise.all(
    Array.from({ length: WRITERS_PER_CHILD }, async (_, w) => {
      for (let won = 0, i = 0; won < WINS_PER_WRITER; i++) {
        const streamId = `race-${(w + i) % STREAMS}`;
        const [last] = await store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
        const expected: ExpectedRevision = last ? last.revision : 'no_stream';
        // one or two events per append: an append's events must stay adjacent
        const batch = Array.from({ length: 1 + (i % 2) }, () => newEvent('Raced', { child: me, writer: w }));
        try {
          const r = await store.append(streamId, batch, expected);
          wins.push({
            streamId,
            revision: r.nextExpectedRevision.toString(),
            eventIds: batch.map((e) => e.metadata.eventId),
            position: r.position.commit.toString(),
          });
          won++;
        } catch (e) {
          if (!(e instanceof WrongExpectedRevisionError)) throw e;
        }
      }
    }),
  );
  await store.close();
  process.stdout.write(`${JSON.stringify(wins)}\n`);
}

if (process.env.PG_ES_CHILD) {
  await child();
} else {
  const { describe, expect, it } = await import('vitest');
  const url = process.env.POSTGRES_URL;

  // Needs a PostgreSQL server: `npm run test:integration` starts one and sets POSTGRES_URL.
  describe.skipIf(!url)('PostgresEventStore across processes (POSTGRES_URL)', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const root = path.resolve(here, '../..');

    function runChild(name: string, schema: string, startAt: number): Promise<Win[]> {
      return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
          cwd: root,
          env: { ...process.env, PG_ES_CHILD: name, PG_ES_SCHEMA: schema, PG_ES_START_AT: String(startAt) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('error', reject);
        p.on('exit', (code) => {
          if (code !== 0) reject(new Error(`child ${name} exited ${code}: ${err}`));
          else resolve(JSON.parse(out.trim().split('\n').pop()!) as Win[]);
        });
      });
    }

    it('two processes never both win a revision; a subscriber sees every event once, in order', async () => {
      const schema = `es_mp_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const store = await PostgresEventStore.connect({ connectionString: url!, schema, pollIntervalMs: 200 });
      try {
        const sub = store.subscribeToAll({ after: START });
        const seen: RecordedEvent[] = [];
        let expectedTotal = Infinity;
        let resolveAll!: () => void;
        const all = new Promise<void>((r) => (resolveAll = r));
        const consuming = (async () => {
          for await (const e of sub) {
            seen.push(e);
            if (seen.length >= expectedTotal) resolveAll();
          }
        })();

        // children need a few seconds to boot tsx; start both at the same instant
        const startAt = Date.now() + 4_000;
        const [a, b] = await Promise.all([runChild('a', schema, startAt), runChild('b', schema, startAt)]);
        const wins = [...a, ...b];
        expect(a).toHaveLength(WRITERS_PER_CHILD * WINS_PER_WRITER);
        expect(b).toHaveLength(WRITERS_PER_CHILD * WINS_PER_WRITER);

        // no revision was won twice, and each stream holds exactly the winners' events
        const byRevision = new Map<string, number>();
        for (const w of wins) {
          const k = `${w.streamId}@${w.revision}`;
          byRevision.set(k, (byRevision.get(k) ?? 0) + 1);
        }
        expect([...byRevision.values()].every((n) => n === 1)).toBe(true);
        for (let s = 0; s < STREAMS; s++) {
          const streamId = `race-${s}`;
          const stored = await store.readStream(streamId);
          expect(stored.map((e) => e.revision)).toEqual(stored.map((_, i) => BigInt(i)));
          const winners = wins
            .filter((w) => w.streamId === streamId)
            .sort((x, y) => Number(BigInt(x.revision) - BigInt(y.revision)))
            .flatMap((w) => w.eventIds);
          expect(stored.map((e) => e.metadata.eventId)).toEqual(winners);
        }
        const totalEvents = wins.reduce((n, w) => n + w.eventIds.length, 0);

        // the subscriber: every event exactly once, in log order, same as readAll
        expectedTotal = totalEvents;
        if (seen.length >= expectedTotal) resolveAll();
        await Promise.race([
          all,
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`subscriber saw ${seen.length} of ${totalEvents}`)), 15_000),
          ),
        ]);
        await sub.close();
        await consuming;
        expect(seen).toHaveLength(totalEvents);
        expect(new Set(seen.map((e) => e.metadata.eventId)).size).toBe(totalEvents);
        expect(seen.every((e, i) => i === 0 || comparePositions(seen[i - 1]!.position, e.position) < 0)).toBe(true);
        const log = await store.readAll();
        expect(seen.map((e) => e.metadata.eventId)).toEqual(log.map((e) => e.metadata.eventId));
        // positions are gap-free: the log is 1..n
        expect(log.map((e) => e.position.commit)).toEqual(log.map((_, i) => BigInt(i + 1)));
        // each winner's result is the position of its last event
        const positionOf = new Map(log.map((e) => [e.metadata.eventId, e.position.commit.toString()]));
        for (const w of wins) expect(positionOf.get(w.eventIds[w.eventIds.length - 1]!)).toBe(w.position);
      } finally {
        await store.close();
      }
    }, 90_000);
  });
}
