import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subtotal, totalWithDiscount } from '../src/cart.js';

const basket = [
  { sku: 'mug', unitPriceCents: 1200, quantity: 2 },
  { sku: 'tea', unitPriceCents: 850, quantity: 1 },
];

test('subtotal adds up every line', () => {
  assert.equal(subtotal(basket), 3250);
});

test('no discount leaves the total unchanged', () => {
  assert.equal(totalWithDiscount(basket, 0), 3250);
});

test('a 10% discount takes a tenth off', () => {
  assert.equal(totalWithDiscount(basket, 10), 2925);
});

test('a 100% discount makes it free', () => {
  assert.equal(totalWithDiscount(basket, 100), 0);
});

test('a discount over 100% is refused', () => {
  assert.throws(() => totalWithDiscount(basket, 120), RangeError);
});
