/**
 * CPU µs per validation of a place-booking body, in process: parseInput (the check compiled
 * from the body class's rules, a flat instance built directly) next to class-validator's own
 * plainToInstance + validateSync, with every module of the platform loaded (class-validator
 * gets slower the more classes it knows). `npx tsx ops/bench/request-validation.micro.ts`
 */
import 'reflect-metadata';
import { parseInput, validatedByClassValidator } from '@booking/shared-kernel';
import { PlaceBookingBody } from '../../command/src/booking/booking-requests.js';
import '../platform/platform.js';

const body = { offeringId: '01900000-0000-7000-8000-00000000abcd', quantity: 1 };

function cpuUsPerCall(fn: () => unknown, n = 50_000): number {
  for (let i = 0; i < 5_000; i++) fn();
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / n) * 100) / 100;
}

const result: Record<string, number[]> = { parseInput: [], classValidator: [] };
for (let round = 0; round < 3; round++) {
  result.classValidator!.push(
    cpuUsPerCall(() => validatedByClassValidator(PlaceBookingBody, { ...body }, 'request body')),
  );
  result.parseInput!.push(cpuUsPerCall(() => parseInput(PlaceBookingBody, { ...body })));
}
console.log(JSON.stringify({ cpuUsPerCall: result }));
