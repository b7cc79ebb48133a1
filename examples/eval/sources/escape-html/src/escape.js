const REPLACEMENTS = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

/** Escapes text for use inside HTML, including attribute values. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (character) => REPLACEMENTS[character]);
}
