/** Display helpers: dates in the viewer's locale, money with its currency, durations as M:SS. */
export const formatDate = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

export const formatMoney = (amount: number, currency: string): string => {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 4 }).format(amount);
  } catch {
    return `${amount.toFixed(4)} ${currency}`;
  }
};

/** `MM:SS`, as the test-call counter shows it (API.md: `MM:SS / 02:00`). */
export const mmss = (seconds: number): string => {
  const s = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

export const formatDuration = (seconds: number | null | undefined): string => (seconds == null ? '—' : mmss(seconds));
