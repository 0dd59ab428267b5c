/**
 * Receipts and credit notes (issue #7). Two pure deciders:
 *  - the year's number sequence, stream `receipt-numbers-<year>`: every number is decided
 *    in this ONE stream, so concurrent receipts never share or skip a number, and an
 *    allocation is idempotent per receipt id (a redelivered event gets its number back);
 *  - the receipt itself, stream `receipt-<receiptId>`: issued once (a second issue is a
 *    no-op), so a redelivery after a crash records nothing new.
 */
import { createHash } from 'node:crypto';
import {
  DomainRuleError,
  type CreditNoteIssued,
  type Decider,
  type EffectEvent,
  type EventOf,
  type ReceiptIssued,
  type ReceiptKind,
  type ReceiptNumberAllocated,
} from '@booking/shared-kernel';

export const receiptStreams = {
  numbers: (year: number) => `receipt-numbers-${year}`,
  receipt: (receiptId: string) => `receipt-${receiptId}`,
} as const;

/** A UUID (version 5 layout) derived from `name`: the same cause always gets the same id. */
export function deterministicUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function formatReceiptNumber(year: number, sequence: number, kind: ReceiptKind): string {
  return `${kind === 'credit-note' ? 'CN-' : ''}${year}-${String(sequence).padStart(6, '0')}`;
}

// ---- the year's sequence ---------------------------------------------------------------

type NumberEvent = EventOf<'ReceiptNumberAllocated', ReceiptNumberAllocated>;

export interface ReceiptNumbersState {
  readonly last: number;
  /** receiptId -> allocation */
  readonly byReceipt: ReadonlyMap<string, ReceiptNumberAllocated>;
}

export type ReceiptNumbersCommand = {
  type: 'AllocateReceiptNumber';
  year: number;
  receiptId: string;
  kind: ReceiptKind;
};

export const receiptNumbersDecider: Decider<ReceiptNumbersCommand, ReceiptNumbersState, NumberEvent> = {
  initialState: { last: 0, byReceipt: new Map() },
  decide(command, state) {
    if (state.byReceipt.has(command.receiptId)) return [];
    const sequence = state.last + 1;
    return [
      {
        type: 'ReceiptNumberAllocated',
        data: {
          year: command.year,
          sequence,
          number: formatReceiptNumber(command.year, sequence, command.kind),
          receiptId: command.receiptId,
          kind: command.kind,
        },
      },
    ];
  },
  evolve(state, event) {
    const byReceipt = new Map(state.byReceipt);
    byReceipt.set(event.data.receiptId, event.data);
    return { last: Math.max(state.last, event.data.sequence), byReceipt };
  },
};

// ---- one receipt -----------------------------------------------------------------------

type ReceiptEvent = EventOf<'ReceiptIssued', ReceiptIssued> | EventOf<'CreditNoteIssued', CreditNoteIssued>;

export interface ReceiptState {
  readonly issued: ReceiptIssued | CreditNoteIssued | null;
  readonly kind: ReceiptKind | null;
}

export type ReceiptCommand =
  { type: 'IssueReceipt'; data: ReceiptIssued } | { type: 'IssueCreditNote'; data: CreditNoteIssued };

export const receiptDecider: Decider<ReceiptCommand, ReceiptState, ReceiptEvent> = {
  initialState: { issued: null, kind: null },
  decide(command, state) {
    if (state.issued) {
      // the same receipt issued again (a redelivery) is a no-op; anything else is a bug
      if (state.issued.number !== command.data.number || state.issued.causeEventId !== command.data.causeEventId) {
        throw new DomainRuleError(
          'receipt-conflict',
          `receipt ${state.issued.receiptId} was already issued as ${state.issued.number}`,
        );
      }
      return [];
    }
    return command.type === 'IssueReceipt'
      ? [{ type: 'ReceiptIssued', data: command.data }]
      : [{ type: 'CreditNoteIssued', data: command.data }];
  },
  evolve(_state, event) {
    return { issued: event.data, kind: event.type === 'ReceiptIssued' ? 'receipt' : 'credit-note' };
  },
};

export type { EffectEvent };
