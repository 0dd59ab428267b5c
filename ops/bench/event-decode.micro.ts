/**
 * CPU µs per decode of typical events (BookingPlaced, CapacityReserved), in process, next to
 * class-validator's own validation of the same data and JSON.parse of the stored row (a
 * yardstick for how loaded the machine is). `npx tsx ops/bench/event-decode.micro.ts`
 */
import { eventCatalogue, newId, type RecordedEvent } from '@booking/shared-kernel';
import { classValidatorProblems } from '../../shared-kernel/src/events/class-validator-problems.js';
import { bookingEvents, capacityEvents } from '../../shared-kernel/src/events/index.js';
import { sampleOf } from '../../shared-kernel/test/fixtures/event-samples.js';

// the same valid samples the event catalogue's tests use
const samples = { BookingPlaced: sampleOf('BookingPlaced')!, CapacityReserved: sampleOf('CapacityReserved')! };

function recorded(type: string, json: string, eventId: string): RecordedEvent {
  return {
    type,
    data: JSON.parse(json) as Record<string, unknown>,
    streamId: 's-1',
    revision: 0n,
    position: { commit: 1n, prepare: 1n },
    metadata: {
      eventId,
      correlationId: 'c',
      causationId: 'c',
      actor: { id: 'x', role: 'system' },
      schemaVersion: 1,
      recordedAt: '2030-01-01T00:00:00.000Z',
    },
  };
}

const schemas: Record<string, new () => object> = {
  BookingPlaced: bookingEvents[0]!.schema,
  CapacityReserved: capacityEvents[1]!.schema,
};

/** CPU time (not wall time: the machine is shared), the best of a few rounds */
function perCall(label: string, n: number, run: (i: number) => unknown, rounds = 5): void {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) run(i);
    const used = process.cpuUsage(t0);
    best = Math.min(best, (used.user + used.system) / n);
  }
  console.log(`${label.padEnd(48)} ${best.toFixed(2)} µs`);
}

const N = Number(process.env.N ?? 20_000);
for (const [type, data] of Object.entries(samples)) {
  const json = JSON.stringify(data);
  // distinct event ids: every decode sees an event for the first time (a rebuild)
  const fresh = Array.from({ length: N }, () => recorded(type, json, newId()));
  // one event id decoded again and again by other consumers (each with its own parsed copy)
  const sameId = newId();
  const repeats = Array.from({ length: N }, () => recorded(type, json, sameId));
  for (const e of fresh.slice(0, 2000)) eventCatalogue.decode(e); // warm up
  // each round decodes events not seen before
  let round = 0;
  const rounds = Array.from({ length: 5 }, () => Array.from({ length: N }, () => recorded(type, json, newId())));
  perCall(`${type} decode, first sight`, N, (i) => {
    if (i === 0) round++;
    return eventCatalogue.decode(rounds[round - 1]![i]!);
  });
  perCall(`${type} decode, seen before`, N, (i) => eventCatalogue.decode(repeats[i]!));
  perCall(`${type} problems()`, N, () => eventCatalogue.problems(type, data));
  const cvRuns = Math.ceil(N / 10);
  perCall(`${type} class-validator alone`, cvRuns, () => classValidatorProblems(schemas[type]!, data));
  perCall(`${type} JSON.parse of the row (yardstick)`, N, () => JSON.parse(json));
}
