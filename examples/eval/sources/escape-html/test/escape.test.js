import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml } from '../src/escape.js';

test('escapes ampersands and angle brackets', () => {
  assert.equal(escapeHtml('<a & b>'), '&lt;a &amp; b&gt;');
});

test('escapes double quotes', () => {
  assert.equal(escapeHtml('say "hi"'), 'say &quot;hi&quot;');
});

test('leaves plain text alone', () => {
  assert.equal(escapeHtml('plain text'), 'plain text');
});
