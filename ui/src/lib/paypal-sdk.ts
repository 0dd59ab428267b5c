/** PayPal's JavaScript SDK (Smart Buttons), loaded only when PayPal is configured. */
import { loadScript } from './script-loader';

export interface PayPalButtonsOptions {
  createOrder: () => Promise<string>;
  onApprove: (data: { orderID: string }) => Promise<void>;
  onCancel?: () => void;
  onError?: (err: unknown) => void;
  style?: Record<string, string | number | boolean>;
}

export interface PayPalButtonsInstance {
  render(container: HTMLElement): Promise<void>;
  close?(): Promise<void>;
  isEligible?(): boolean;
}

declare global {
  interface Window {
    paypal?: { Buttons?: (options: PayPalButtonsOptions) => PayPalButtonsInstance };
  }
}

export function paypalSdkUrl(clientId: string, currency: string): string {
  const q = new URLSearchParams({ 'client-id': clientId, currency, intent: 'capture', components: 'buttons' });
  return `https://www.paypal.com/sdk/js?${q.toString()}`;
}

export async function loadPayPal(clientId: string, currency: string) {
  await loadScript(paypalSdkUrl(clientId, currency));
  const Buttons = window.paypal?.Buttons;
  if (!Buttons) throw new Error('PayPal did not load');
  return Buttons;
}
