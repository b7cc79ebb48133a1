/** @typedef {{ sku: string, unitPriceCents: number, quantity: number }} LineItem */

/**
 * Sum of the line items, in cents.
 * @param {readonly LineItem[]} items
 * @returns {number}
 */
export function subtotal(items) {
  return items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
}

/**
 * The total after a percentage discount (0-100), rounded to the nearest cent.
 * A discount outside 0-100 is a caller bug and throws.
 * @param {readonly LineItem[]} items
 * @param {number} discountPercent
 * @returns {number}
 */
export function totalWithDiscount(items, discountPercent) {
  if (discountPercent < 0 || discountPercent > 100) {
    throw new RangeError(`discount must be between 0 and 100, got ${discountPercent}`);
  }
  const gross = subtotal(items);
  return Math.round(gross - discountPercent);
}
