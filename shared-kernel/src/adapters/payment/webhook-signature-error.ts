/** A webhook whose signature is missing, malformed or not the gateway's: answered with 400. */
export class WebhookSignatureError extends Error {
  override readonly name = 'WebhookSignatureError';
}
