/** CSV (RFC 4180) of flat or nested rows: nested objects become dotted columns. */
function flatten(
  row: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [k, v] of Object.entries(row)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  let text = String(v);
  // no spreadsheet formulas from data (CSV injection)
  if (/^[=+\-@\t\r]/.test(text) && typeof v === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const flat = rows.map((r) => flatten(r));
  const header = columns ? [...columns] : [];
  if (!columns) for (const r of flat) for (const k of Object.keys(r)) if (!header.includes(k)) header.push(k);
  const lines = [header.map(cell).join(','), ...flat.map((r) => header.map((h) => cell(r[h])).join(','))];
  return lines.join('\r\n') + '\r\n';
}
