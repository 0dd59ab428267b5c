/** Renders a receipt or credit note to PDF bytes with pdfkit (standard Helvetica fonts). */
import { formatMoney, type CreditNoteIssued, type ReceiptIssued } from '@booking/shared-kernel';

export type ReceiptDocument = (ReceiptIssued & { kind: 'receipt' }) | (CreditNoteIssued & { kind: 'credit-note' });

/** pdfkit's standard fonts are WinAnsi: keep text inside Latin-1 so nothing is garbled */
const latin1 = (s: string): string => s.normalize('NFC').replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

export async function renderReceiptPdf(r: ReceiptDocument): Promise<Buffer> {
  // loaded on the first receipt, not at every start (pdfkit and its font stack: ~0.2 s of CPU)
  const { default: PDFDocument } = await import('pdfkit');
  const title = r.kind === 'receipt' ? 'RECEIPT' : 'CREDIT NOTE';
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    // fixed dates make the same receipt render to the same bytes
    info: {
      Title: `${title} ${r.number}`,
      Author: latin1(r.seller.name),
      CreationDate: new Date(r.issuedAt),
      ModDate: new Date(r.issuedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const money = (amount: number) => formatMoney({ amount, currency: r.total.currency });

  doc.font('Helvetica-Bold').fontSize(20).text(title);
  doc.font('Helvetica').fontSize(10).moveDown(0.5);
  doc.text(`Number: ${r.number}`);
  doc.text(`Issued: ${r.issuedAt.slice(0, 10)}`);
  doc.text(`Booking reference: ${r.bookingId}`);
  if (r.kind === 'credit-note') {
    if (r.receiptNumber) doc.text(`Corrects receipt: ${r.receiptNumber}`);
    doc.text(`Reason: ${latin1(r.reason)}`);
  }
  doc.moveDown();
  doc.font('Helvetica-Bold').text('Seller');
  doc.font('Helvetica').text(latin1(r.seller.name));
  if (r.seller.email) doc.text(latin1(r.seller.email));
  doc.moveDown(0.5);
  doc.font('Helvetica-Bold').text('Buyer');
  doc.font('Helvetica').text(latin1(r.buyer.name));
  if (r.buyer.email) doc.text(latin1(r.buyer.email));
  doc.moveDown();

  doc.font('Helvetica-Bold').text('Items');
  doc.font('Helvetica');
  for (const line of r.lines) {
    doc.text(
      `${line.quantity} x ${latin1(line.description)} @ ${formatMoney(line.unitPrice)} = ${formatMoney(line.amount)}`,
    );
  }
  doc.moveDown();
  if (r.taxRateBps > 0) {
    doc.text(`Net: ${money(r.net.amount)}`);
    doc.text(`Tax (${(r.taxRateBps / 100).toFixed(2)}%): ${money(r.tax.amount)}`);
  }
  doc.font('Helvetica-Bold').text(`Total: ${money(r.total.amount)}`);
  doc.font('Helvetica').moveDown();
  doc.text(`Payment method: ${latin1(r.paymentMethod)}`);
  doc.text(`${r.kind === 'receipt' ? 'Paid' : 'Refunded'} on: ${r.paidAt.slice(0, 10)}`);
  doc.end();
  return done;
}
