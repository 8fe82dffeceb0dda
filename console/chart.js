// Small SVG charts drawn here: no library, no inline style (the CSP allows none).
const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}
const pct = (rate) => (rate === null ? 'n/a' : `${Math.round(rate * 1000) / 10}%`);

/** Horizontal bars: one per group, its no-show rate; null rates drawn as "n/a". */
export function rateBars(groups, title, width = 560) {
  const rowH = 28;
  const labelW = Math.min(150, Math.round(width * 0.35));
  const height = Math.max(1, groups.length) * rowH + 10;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': title,
    class: 'bars',
  });
  svg.append(s('title', {}, title));
  const max = Math.max(0.0001, ...groups.map((g) => g.noShowRate ?? 0));
  groups.forEach((g, i) => {
    const y = i * rowH + 5;
    const barW = g.noShowRate === null ? 0 : ((width - labelW - 70) * (g.noShowRate ?? 0)) / max;
    svg.append(
      s(
        'text',
        { x: labelW - 8, y: y + 17, 'text-anchor': 'end', class: 'label' },
        g.key ?? '(none)',
      ),
      s('rect', {
        x: labelW,
        y: y + 4,
        width: Math.max(barW, 1),
        height: rowH - 10,
        class: 'bar',
        rx: 3,
      }),
      s('text', { x: labelW + barW + 6, y: y + 17, class: 'value' }, pct(g.noShowRate)),
    );
  });
  return svg;
}

/**
 * A line of the no-show rate over time; points without visits leave a gap. `scale` draws
 * another measure (a survey's average score): its top value and how a value reads.
 */
export function rateLine(points, title, width = 560, scale = { max: null, label: pct }) {
  const height = 200;
  const pad = { left: 44, right: 12, top: 12, bottom: 28 };
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': title,
    class: 'line',
  });
  svg.append(s('title', {}, title));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = scale.max ?? Math.max(0.1, ...points.map((p) => p.rate ?? 0));
  const x = (i) =>
    pad.left + (points.length <= 1 ? innerW / 2 : (innerW * i) / (points.length - 1));
  const y = (r) => pad.top + innerH - (innerH * r) / max;
  for (const tick of [0, max / 2, max]) {
    svg.append(
      s('line', { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick), class: 'grid' }),
      s(
        'text',
        { x: pad.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'label' },
        scale.label(tick),
      ),
    );
  }
  let path = '';
  points.forEach((p, i) => {
    if (p.rate === null) return;
    const previous = i > 0 ? points[i - 1] : null;
    path += `${path && previous && previous.rate !== null ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.rate).toFixed(1)} `;
    svg.append(s('circle', { cx: x(i), cy: y(p.rate), r: 3, class: 'dot' }, undefined));
  });
  svg.insertBefore(
    s('path', { d: path.trim() || 'M0,0', class: 'path' }),
    svg.querySelector('circle'),
  );
  const every = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor(width / 110))));
  points.forEach((p, i) => {
    if (i % every === 0) {
      svg.append(
        s('text', { x: x(i), y: height - 8, 'text-anchor': 'middle', class: 'label' }, p.label),
      );
    }
  });
  return svg;
}

/** The no-shows split: confirmed / unconfirmed / unreached as one stacked bar and a legend. */
export function splitBar(totals) {
  const parts = [
    ['Confirmed, then did not come', totals.noShowsConfirmed, 'confirmed'],
    ['Reminded, no reply', totals.noShowsUnconfirmed, 'unconfirmed'],
    ['Never reached', totals.noShowsUnreached, 'unreached'],
  ];
  const total = Math.max(1, totals.noShows);
  const svg = s('svg', {
    viewBox: '0 0 560 24',
    preserveAspectRatio: 'none',
    'aria-hidden': 'true',
    class: 'split',
  });
  let x = 0;
  for (const [, count, cls] of parts) {
    const w = (560 * count) / total;
    svg.append(s('rect', { x, y: 0, width: w, height: 24, class: `part ${cls}` }));
    x += w;
  }
  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const [label, count, cls] of parts) {
    const item = document.createElement('li');
    const swatch = s('svg', { viewBox: '0 0 12 12', class: 'swatch', 'aria-hidden': 'true' });
    swatch.append(s('rect', { width: 12, height: 12, class: `part ${cls}` }));
    item.append(swatch, `${label}: ${count}`);
    legend.append(item);
  }
  const figure = document.createElement('div');
  figure.className = 'split-figure';
  figure.append(svg, legend);
  return figure;
}
