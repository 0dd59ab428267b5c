/** The receipts read model (`receipts`): receipts and credit notes, listed per booking. */
import type { Doc, DocumentStore, MoneyData } from '@booking/shared-kernel';
import type { AnyDecoded, Projector } from '../runtime/projector.js';

export interface ReceiptDoc extends Doc {
  kind: 'receipt' | 'credit-note';
  number: string;
  year: number;
  bookingId: string;
  paymentId: string;
  customerId: string;
  providerId: string;
  total: MoneyData;
  tax: MoneyData;
  objectKey: string;
  issuedAt: string;
  receiptNumber?: string;
}

export const receiptsProjector: Projector = {
  name: 'receipts',
  eventTypes: new Set(['ReceiptIssued', 'CreditNoteIssued']),
  async apply(event: AnyDecoded, pos: string, docs: DocumentStore): Promise<void> {
    if (event.type !== 'ReceiptIssued' && event.type !== 'CreditNoteIssued') return;
    const d = event.data;
    await docs.collection<ReceiptDoc>('receipts').upsertAt(
      d.receiptId,
      {
        $set: {
          kind: event.type === 'ReceiptIssued' ? 'receipt' : 'credit-note',
          number: d.number,
          year: d.year,
          bookingId: d.bookingId,
          paymentId: d.paymentId,
          customerId: d.buyer.id,
          providerId: d.seller.id,
          total: d.total,
          tax: d.tax,
          objectKey: d.objectKey,
          issuedAt: d.issuedAt,
          ...(event.type === 'CreditNoteIssued' && event.data.receiptNumber
            ? { receiptNumber: event.data.receiptNumber }
            : {}),
        },
      },
      pos,
    );
  },
};
