/**
 * Formats cents as a price: 1234 -> "$12.34".
 * @param {number} cents
 * @returns {string}
 */
export function formatCents(cents) {
  const sign = cents < 0 ? '-' : '';
  const absolute = Math.abs(cents);
  return `${sign}$${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}
