/** Turns a title into a URL slug: lower case, words joined by `separator`. */
export function slugify(title, separator = '-') {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, separator)
    .replace(new RegExp(`^${separator}|${separator}$`, 'g'), '');
}
