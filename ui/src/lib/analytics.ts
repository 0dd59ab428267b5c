/** Rows of GET /api/analytics/{revenue,funnel} and what the analytics page derives from them. */
export interface RevenueRow {
  period: string;
  currency: string;
  gross: number;
  refunded: number;
  net: number;
  payments: number;
  refunds: number;
}

export interface FunnelRow {
  period: string;
  placed: number;
  paid: number;
  completed: number;
  cancelled: number;
  expired: number;
}

export interface Bar {
  label: string;
  value: number;
  /** 0..1 of the tallest bar */
  share: number;
}

/** Net revenue per period for one currency, as bars scaled to the tallest. */
export function revenueBars(rows: readonly RevenueRow[], currency: string): Bar[] {
  const mine = rows.filter((r) => r.currency === currency);
  const max = Math.max(0, ...mine.map((r) => r.net));
  return mine.map((r) => ({ label: r.period, value: r.net, share: max > 0 ? Math.max(0, r.net) / max : 0 }));
}

export function currenciesOf(rows: readonly RevenueRow[]): string[] {
  return [...new Set(rows.map((r) => r.currency))].sort();
}

export interface FunnelStage {
  stage: 'placed' | 'paid' | 'completed';
  count: number;
  /** of the bookings placed */
  rate: number | null;
}

/** The funnel over the whole range: placed -> paid -> completed, with rates of placed. */
export function funnelTotals(rows: readonly FunnelRow[]): FunnelStage[] {
  const sum = (k: 'placed' | 'paid' | 'completed') => rows.reduce((n, r) => n + r[k], 0);
  const placed = sum('placed');
  return (['placed', 'paid', 'completed'] as const).map((stage) => {
    const count = stage === 'placed' ? placed : sum(stage);
    return { stage, count, rate: placed > 0 ? count / placed : null };
  });
}

export function percent(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(1)} %`;
}
