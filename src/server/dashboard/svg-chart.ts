import { html } from 'hono/html';
import type { Html } from './layout.ts';

/** One column of a column chart: its label under it, its value, and the text shown on hover. */
export interface Column {
  label: string;
  value: number;
  title: string;
}

/** One row of a stacked bar chart: its label, and a value per segment (in the chart's segment order). */
export interface StackedRow {
  label: string;
  values: number[];
}

const WIDTH = 720;

/**
 * A column chart as inline SVG (no script): one column per entry, scaled to the largest value, with
 * the largest value written on the axis. Labels and titles are text, escaped like every interpolation.
 */
export function columnChart(options: {
  columns: readonly Column[];
  caption: string;
  format: (value: number) => string;
}): Html {
  const { columns, caption, format } = options;
  const height = 180;
  const top = 16;
  const bottom = 36;
  const left = 64;
  const plot = height - top - bottom;
  const max = Math.max(0, ...columns.map((column) => column.value));
  const step = columns.length === 0 ? 0 : (WIDTH - left - 8) / columns.length;
  const barWidth = Math.max(1, step * 0.8);
  // Every label is drawn when there is room; otherwise about twelve of them.
  const every = Math.max(1, Math.ceil(columns.length / 12));
  const bars = columns.map((column, index) => {
    const barHeight = max === 0 ? 0 : (column.value / max) * plot;
    const x = left + index * step + (step - barWidth) / 2;
    const label =
      index % every === 0
        ? html`<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle" class="axis">${column.label}</text>`
        : '';
    return html`<g><title>${column.title}</title><rect class="bar" x="${x.toFixed(1)}" y="${(top + plot - barHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${barHeight.toFixed(1)}"></rect></g>${label}`;
  });
  return html`<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${caption}" xmlns="http://www.w3.org/2000/svg">
<line class="grid" x1="${left}" y1="${top}" x2="${WIDTH - 8}" y2="${top}"></line>
<line class="grid" x1="${left}" y1="${top + plot}" x2="${WIDTH - 8}" y2="${top + plot}"></line>
<text x="${left - 6}" y="${top + 4}" text-anchor="end" class="axis">${format(max)}</text>
<text x="${left - 6}" y="${top + plot + 4}" text-anchor="end" class="axis">${format(0)}</text>
${bars}
</svg>
<figcaption>${caption}</figcaption>
</figure>`;
}

/**
 * A horizontal stacked bar chart as inline SVG: one bar per row, its segments (`segments`, each with
 * a CSS class for its colour) proportional to the row's total, the total written after the bar.
 */
export function stackedBarChart(options: {
  rows: readonly StackedRow[];
  segments: readonly { name: string; className: string }[];
  caption: string;
}): Html {
  const { rows, segments, caption } = options;
  const rowHeight = 22;
  const left = 200;
  const right = 70;
  const top = 24;
  const height = top + rows.length * rowHeight + 8;
  const totals = rows.map((row) => row.values.reduce((sum, value) => sum + value, 0));
  const max = Math.max(0, ...totals);
  const scale = max === 0 ? 0 : (WIDTH - left - right) / max;
  const legend = segments.map(
    (segment, index) =>
      html`<rect class="${segment.className}" x="${left + index * 90}" y="4" width="12" height="12"></rect><text x="${left + index * 90 + 16}" y="14" class="axis">${segment.name}</text>`,
  );
  const bars = rows.map((row, rowIndex) => {
    const y = top + rowIndex * rowHeight;
    let x = left;
    const parts = row.values.map((value, index) => {
      const width = value * scale;
      const segment = segments[index]!;
      const part = html`<rect class="${segment.className}" x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${rowHeight - 6}"><title>${row.label}: ${value} ${segment.name}</title></rect>`;
      x += width;
      return part;
    });
    return html`<text x="${left - 6}" y="${y + 12}" text-anchor="end" class="axis">${clip(row.label, 30)}</text>${parts}<text x="${(x + 6).toFixed(1)}" y="${y + 12}" class="axis">${totals[rowIndex]}</text>`;
  });
  return html`<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${caption}" xmlns="http://www.w3.org/2000/svg">
${legend}${bars}
</svg>
<figcaption>${caption}</figcaption>
</figure>`;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
