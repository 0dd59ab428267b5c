/**
 * Payment succeeded / marked paid -> a receipt; payment refunded -> a credit note.
 * Exactly once in effect under at-least-once delivery:
 *  1. the receipt id is derived from the cause (one receipt per payment, one credit note
 *     per refund event), so a redelivery addresses the same `receipt-<id>` stream;
 *  2. an issued receipt ends the work at once;
 *  3. the number is allocated in `receipt-numbers-<year>` idempotently per receipt id, so
 *     a crash after allocating gets the same number back (no gap, no duplicate);
 *  4. the PDF goes to a deterministic key; an existing object is reused, not rewritten;
 *  5. ReceiptIssued / CreditNoteIssued is appended (a no-op if already there).
 */
import {
  executeCommand,
  loadState,
  streams,
  type CommandContext,
  type ContactDirectory,
  type CreditNoteIssued,
  type MoneyData,
  type ObjectStore,
  type ReceiptIssued,
  type ReceiptKind,
} from '@booking/shared-kernel';
import {
  bookingDecider,
  deterministicUuid,
  paymentDecider,
  receiptDecider,
  receiptNumbersDecider,
  receiptStreams,
} from '@booking/command';
import type { Reactor, ReactorDeps } from '../runtime/reactor.js';
import type { AnyDecoded } from '../runtime/projector.js';
import { renderReceiptPdf } from './receipt-pdf.js';
import { sha256Hex } from '../effects/hashing.js';
import type { ReceiptDoc } from './receipts-projector.js';

export interface ReceiptsReactorOptions {
  objects: ObjectStore;
  contacts: ContactDirectory;
  /** basis points; prices are tax-inclusive, the tax is the included share */
  taxRateBps: number;
}

export const receiptIdFor = {
  payment: (paymentId: string) => deterministicUuid(`receipt:payment:${paymentId}`),
  refund: (refundEventId: string) => deterministicUuid(`credit-note:${refundEventId}`),
};

export function objectKeyFor(year: number, receiptId: string, kind: ReceiptKind): string {
  return `${kind === 'receipt' ? 'receipts' : 'credit-notes'}/${year}/${receiptId}.pdf`;
}

/** tax included in a gross amount, rounded half up to the minor unit */
export function includedTax(gross: number, bps: number): number {
  return bps === 0 ? 0 : Math.round((gross * bps) / (10_000 + bps));
}

function paymentMethod(event: AnyDecoded, gateway: string | null): string {
  if (event.type === 'PaymentSucceeded') {
    const card = event.data.card;
    return card
      ? `Card ${card.brand} ending ${card.last4} (${gateway ?? 'gateway'})`
      : `${gateway ?? 'gateway'} payment`;
  }
  if (event.type === 'PaymentMarkedPaid') return `Paid outside the platform (${event.data.reason})`;
  if (event.type === 'PaymentRefunded') return `Refund to the original payment method (${gateway ?? 'gateway'})`;
  return 'unknown';
}

export function receiptsReactor(options: ReceiptsReactorOptions): Reactor {
  return {
    name: 'receipts',
    eventTypes: new Set(['PaymentSucceeded', 'PaymentMarkedPaid', 'PaymentRefunded']),
    async handle(event: AnyDecoded, deps: ReactorDeps, ctx: CommandContext): Promise<void> {
      if (event.type !== 'PaymentSucceeded' && event.type !== 'PaymentMarkedPaid' && event.type !== 'PaymentRefunded')
        return;
      const kind: ReceiptKind = event.type === 'PaymentRefunded' ? 'credit-note' : 'receipt';
      const { paymentId, bookingId } = event.data;
      const receiptId =
        kind === 'receipt' ? receiptIdFor.payment(paymentId) : receiptIdFor.refund(event.metadata.eventId);
      const receiptStream = receiptStreams.receipt(receiptId);
      const { state: existing } = await loadState(deps.runtime, receiptStream, receiptDecider);
      if (existing.issued) return;

      // the year of the payment as recorded: the same on every redelivery
      const at = event.metadata.recordedAt;
      const year = new Date(at).getUTCFullYear();
      const allocated = await executeCommand(
        deps.runtime,
        receiptStreams.numbers(year),
        receiptNumbersDecider,
        { type: 'AllocateReceiptNumber', year, receiptId, kind },
        ctx,
      );
      const allocation = allocated.state.byReceipt.get(receiptId)!;

      const [{ state: booking }, { state: payment }] = await Promise.all([
        loadState(deps.runtime, streams.booking(bookingId), bookingDecider),
        loadState(deps.runtime, streams.payment(paymentId), paymentDecider),
      ]);
      const placed = booking.placed;
      if (!placed) throw new Error(`payment ${paymentId} names booking ${bookingId}, which does not exist`);
      const [seller, buyer] = await Promise.all([
        options.contacts.contact(placed.providerId),
        options.contacts.contact(placed.customerId),
      ]);
      const total: MoneyData = event.data.amount;
      const tax = includedTax(total.amount, options.taxRateBps);
      const slot = booking.slot ?? placed.slot;
      const description = `${placed.offeringTitle}${slot ? ` (${slot.start.slice(0, 16).replace('T', ' ')} UTC)` : ''}`;
      const lines =
        kind === 'receipt'
          ? [{ description, quantity: placed.quantity, unitPrice: placed.unitPrice, amount: total }]
          : [{ description: `Refund: ${description}`, quantity: 1, unitPrice: total, amount: total }];
      const objectKey = objectKeyFor(year, receiptId, kind);
      const base = {
        receiptId,
        number: allocation.number,
        year,
        bookingId,
        paymentId,
        seller: {
          id: placed.providerId,
          name: seller?.name ?? placed.providerId,
          ...(seller?.email ? { email: seller.email } : {}),
        },
        buyer: {
          id: placed.customerId,
          name: buyer?.name ?? placed.customerId,
          ...(buyer?.email ? { email: buyer.email } : {}),
        },
        lines,
        taxRateBps: options.taxRateBps,
        net: { amount: total.amount - tax, currency: total.currency },
        tax: { amount: tax, currency: total.currency },
        total,
        paymentMethod: paymentMethod(event, payment.gateway),
        paidAt: at,
        issuedAt: at,
        objectKey,
        sha256: '0'.repeat(64),
        causeEventId: event.metadata.eventId,
      };
      let receiptNumber: string | undefined;
      if (kind === 'credit-note') {
        const [original] = await deps.docs
          .collection<ReceiptDoc>('receipts')
          .find({ paymentId, kind: 'receipt' }, { limit: 1 });
        receiptNumber = original?.number;
      }
      const data =
        kind === 'receipt'
          ? ({ ...base } as ReceiptIssued)
          : ({
              ...base,
              reason: (event.data as { reason: string }).reason,
              ...(receiptNumber ? { receiptNumber } : {}),
            } as CreditNoteIssued);

      // an object left by an attempt that crashed before recording is reused as it is
      const stored = await options.objects.get(objectKey);
      let pdf = stored?.body;
      if (!pdf) {
        pdf = await renderReceiptPdf(
          kind === 'receipt' ? { ...(data as ReceiptIssued), kind } : { ...(data as CreditNoteIssued), kind },
        );
        await options.objects.put(objectKey, pdf, {
          contentType: 'application/pdf',
          metadata: { receipt: allocation.number, booking: bookingId },
        });
      }
      data.sha256 = sha256Hex(pdf);
      await executeCommand(
        deps.runtime,
        receiptStream,
        receiptDecider,
        kind === 'receipt'
          ? { type: 'IssueReceipt', data }
          : { type: 'IssueCreditNote', data: data as CreditNoteIssued },
        ctx,
      );
    },
  };
}
