import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../src/parse.js';

test('parses whole units', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
});

test('refuses garbage', () => {
  assert.equal(parseDuration('soon'), undefined);
});
