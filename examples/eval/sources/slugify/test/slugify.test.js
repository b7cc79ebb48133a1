import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugify } from '../src/slugify.js';

test('lower-cases and joins words', () => {
  assert.equal(slugify('Hello World'), 'hello-world');
});

test('drops accents', () => {
  assert.equal(slugify('Crème brûlée'), 'creme-brulee');
});

test('takes a custom separator', () => {
  assert.equal(slugify('a b', '_'), 'a_b');
});
