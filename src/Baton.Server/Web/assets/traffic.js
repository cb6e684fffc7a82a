// The selected service's traffic over the last 15 minutes (GET /api/services/{name}/traffic): three
// small SVG charts sharing one time axis — requests/s, error rate, p95 — one line per colour, a
// vertical marker at each deploy, switch and rollback, and each canary step or watch drawn as the
// span it was judged over with the candidate's and the live release's numbers it compared.
// Each refresh replaces the charts' few elements (a line per colour, a group per marker), so the
// DOM stays the same size however long the page is open; the app only refreshes while the tab is seen.

import { get } from './api.js';
import { h, fill, rate, percent, clock } from './dom.js';

const WIDTH = 720;
const HEIGHT = 96;
const TOP = 14; // room for the markers' labels
const BOTTOM = 4;
const REFRESH_MS = 4000; // the router adds a point every 5 s
const MIN_SPAN_MS = 120_000;
const LABEL_GAP = 46; // px of the chart between two markers' labels; a closer one keeps its line and tooltip only

const METRICS = [
  { key: 'rps', title: 'Requests/s', value: (p) => p.requestsPerSecond, floor: 1, format: rate, judged: null },
  { key: 'errors', title: 'Error rate', value: (p) => p.errorRate, floor: 0.01, format: percent, judged: (n) => n.errorRate },
  { key: 'p95', title: 'p95 latency', value: (p) => p.p95Ms, floor: 10, format: (v) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`), judged: (n) => n.p95Ms },
];

const MARKER_TEXT = { deploy: 'deploy', switch: 'switch', rollback: 'rollback', canary: 'canary', watch: 'watch' };

const has = (v) => v !== null && v !== undefined && Number.isFinite(v);

export function createTraffic() {
  let name = null;
  let fetchedAt = 0;
  const note = h('p', { class: 'muted small', id: 'traffic-note' }, 'Loading…');
  const charts = h('div', { class: 'charts', id: 'traffic-charts' });
  const legend = h('div', { class: 'chart-legend', id: 'traffic-legend' });
  const title = h('h3', { id: 'traffic-title' }, 'Traffic, last 15 minutes');
  const el = h('section', { class: 'card traffic', id: 'traffic', dataset: { testid: 'traffic' } },
    h('div', { class: 'section-head' }, title, legend),
    note, charts);

  async function refresh(force) {
    if (!name || (!force && Date.now() - fetchedAt < REFRESH_MS)) return;
    const forName = name;
    fetchedAt = Date.now();
    const answer = await get(`/api/services/${encodeURIComponent(name)}/traffic`);
    if (forName !== name) return;
    if (!answer.ok) {
      note.textContent = answer.error;
      return;
    }
    render(answer.data);
  }

  function select(next) {
    name = next;
    fetchedAt = 0;
    note.textContent = 'Loading…';
    fill(charts);
    fill(legend);
    el.dataset.service = next || '';
  }

  function render(data) {
    // The axis spans the 15 minutes once there is that much to show; before, from a little before the
    // first point or marker (at least 2 minutes), so a fresh router's first steps are not a sliver at the edge.
    const to = Date.parse(data.to);
    const times = [...data.colours.flatMap((c) => c.points.map((p) => Date.parse(p.at))), ...data.markers.map((m) => Date.parse(m.at))];
    const from = Math.max(Date.parse(data.from), Math.min(to - MIN_SPAN_MS, ...times.map((t) => t - 10_000)));
    const x = (iso) => ((Date.parse(iso) - from) / (to - from)) * WIDTH;
    const points = data.colours.reduce((n, c) => n + c.points.length, 0);
    note.textContent = points
      ? `A point every ${data.stepSeconds} s per colour, counted by the router (5xx answers and the router's own 502/504 are errors). Kept in memory: the chart starts empty when the router restarts.`
      : `No traffic recorded yet: the router adds a point every ${data.stepSeconds} s while the service is routed, and keeps none across a restart.`;
    el.dataset.from = new Date(from).toISOString();
    el.dataset.to = data.to;
    title.textContent = to - from >= data.windowSeconds * 1000 - 1000 ? 'Traffic, last 15 minutes' : `Traffic since ${clock(new Date(from).toISOString())} (up to 15 minutes)`;
    el.dataset.points = String(points);
    fill(legend, data.colours.map((c) => h('span', { class: `legend-item ${c.colour}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), c.colour)));
    fill(charts, METRICS.map((m, i) => chart(m, data, x, i === 0)));
  }

  function chart(m, data, x, labels) {
    let max = m.floor;
    for (const c of data.colours) for (const p of c.points) if (has(m.value(p))) max = Math.max(max, m.value(p));
    if (m.judged) {
      for (const mk of data.markers) {
        const j = mk.judgement;
        for (const side of [j?.candidate, j?.live]) if (side && has(m.judged(side))) max = Math.max(max, m.judged(side));
      }
    }
    max *= 1.1;
    const y = (v) => TOP + (1 - v / max) * (HEIGHT - TOP - BOTTOM);
    const svg = h('svg:svg', {
      class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
      'aria-label': `${m.title} per colour over the last 15 minutes`, dataset: { metric: m.key, max: max.toFixed(6) },
    });
    svg.append(h('svg:line', { class: 'axis', x1: 0, x2: WIDTH, y1: y(0), y2: y(0) }));

    // Judgements under the lines: the span judged, the candidate's number (solid) and the live one's (dashed).
    for (const mk of data.markers) {
      const j = mk.judgement;
      if (!j) continue;
      const x1 = Math.max(0, x(j.from));
      const x2 = Math.min(WIDTH, j.to ? x(j.to) : WIDTH);
      const g = h('svg:g', { class: `judgement ${j.outcome}`, dataset: { kind: mk.kind, outcome: j.outcome, from: j.from, to: j.to || '' } },
        h('svg:rect', { class: 'span', x: x1, y: TOP, width: Math.max(1, x2 - x1), height: HEIGHT - TOP - BOTTOM }, h('svg:title', {}, mk.label)));
      if (m.judged) {
        for (const [side, n] of [['candidate', j.candidate], ['live', j.live]]) {
          if (!n || !has(m.judged(n))) continue;
          const v = m.judged(n);
          g.append(h('svg:line', { class: `judged ${side}`, x1, x2: Math.max(x1 + 2, x2), y1: y(v), y2: y(v), dataset: { side, value: String(v) } },
            h('svg:title', {}, `${side === 'candidate' ? 'candidate (new release)' : 'live release'}: ${m.format(v)} over ${n.requests} requests`)));
        }
        g.append(h('svg:text', { class: 'decision', x: Math.min(WIDTH - 8, x2 + 2), y: TOP + 10 }, j.outcome === 'ok' ? '✓' : j.outcome === 'failed' ? '✗' : '…'));
      }
      svg.append(g);
    }

    for (const c of data.colours) {
      const plotted = c.points.filter((p) => has(m.value(p)));
      const coords = plotted.map((p) => `${x(p.at).toFixed(1)},${y(m.value(p)).toFixed(1)}`).join(' ');
      const last = plotted[plotted.length - 1];
      svg.append(h('svg:polyline', {
        class: `line ${c.colour}`, points: coords, fill: 'none',
        dataset: { colour: c.colour, count: String(plotted.length), values: plotted.map((p) => +m.value(p).toFixed(4)).join(','), lastAt: last ? last.at : '', last: last ? String(m.value(last)) : '' },
      }, h('svg:title', {}, `${c.colour}: ${last ? `${m.format(m.value(last))} at ${clock(last.at)}` : 'no data'}`)));
    }

    // Labels where there is room, switches and rollbacks first; every marker keeps its line and tooltip.
    const labelled = new Set();
    if (labels) {
      const placed = [];
      const first = (mk) => (mk.kind === 'switch' || mk.kind === 'rollback' ? 0 : 1);
      for (const mk of data.markers.filter((m) => !m.judgement).sort((a, b) => first(a) - first(b))) {
        const at = x(mk.at);
        if (at < 0 || at > WIDTH || placed.some((p) => Math.abs(p - at) < LABEL_GAP)) continue;
        placed.push(at);
        labelled.add(mk);
      }
    }
    for (const mk of data.markers) {
      const at = x(mk.at);
      if (at < 0 || at > WIDTH) continue;
      const g = h('svg:g', { class: `marker ${mk.kind}`, dataset: { kind: mk.kind, at: mk.at, deployment: String(mk.deployment) } },
        h('svg:line', { x1: at, x2: at, y1: labels ? 2 : 0, y2: HEIGHT }),
        h('svg:title', {}, `${clock(mk.at)} ${mk.label}`));
      if (labelled.has(mk)) g.append(h('svg:text', { x: Math.min(at + 3, WIDTH - 44), y: 10 }, MARKER_TEXT[mk.kind] || mk.kind));
      svg.append(g);
    }

    return h('figure', { class: 'chart-box', dataset: { metric: m.key } },
      h('figcaption', {}, m.title, h('span', { class: 'muted' }, ` · up to ${m.format(max)}`)),
      svg);
  }

  return { el, select, refresh };
}
