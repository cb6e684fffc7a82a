// The service list: one card per service with its live and candidate pools, their request and
// error rates, and a sparkline of requests/s per colour built from the polls.

import { h, clear, colour, rate, percent, sparkline, tagOf } from './dom.js';

const SAMPLES = 60; // two minutes at one poll every 2 s
const history = new Map(); // "service/pool" → { total, at, targets, values: [] }

/** Requests/s of a pool since the previous poll (its targets' counters), else the window's average. */
function sample(service, pool, key, now) {
  const total = pool.targets.reduce((sum, t) => sum + t.requests, 0);
  const targets = pool.targets.map((t) => t.address).sort().join(',');
  const id = `${service.name}/${key}`;
  const last = history.get(id);
  let value;
  if (last && last.targets === targets && total >= last.total && now > last.at) value = (total - last.total) / ((now - last.at) / 1000);
  else value = pool.window && pool.window.seconds ? pool.window.requests / pool.window.seconds : 0;
  const values = last ? last.values.slice(-(SAMPLES - 1)) : [];
  values.push(value);
  history.set(id, { total, at: now, targets, values });
  return { value, values };
}

function poolKey(pool, role) {
  return pool.name || role;
}

export function publicUrl(host, port) {
  return `${location.protocol === 'https:' ? 'http:' : location.protocol}//${host}${port && port !== 80 ? `:${port}` : ''}/`;
}

function poolRow(service, pool, role, now, extra) {
  const { value, values } = sample(service, pool, poolKey(pool, role), now);
  const w = pool.window || { requests: 0, errors: 0, errorRate: 0, seconds: 60 };
  const healthy = pool.targets.filter((t) => t.health === 'healthy').length;
  const errorClass = w.errorRate >= 0.05 ? 'bad' : w.errorRate > 0 ? 'warn' : 'good';
  return h('div', { class: `pool ${role}`, dataset: { pool: role, colour: pool.name || '' } },
    h('div', { class: 'pool-head' },
      h('span', { class: 'pool-role' }, role === 'active' ? 'Live' : 'Candidate'),
      colour(pool.name),
      pool.release ? h('span', { class: 'release', title: pool.image || '' }, pool.release) : null,
      pool.image ? h('span', { class: 'tag', title: pool.image, dataset: { testid: `${role}-tag` } }, tagOf(pool.image)) : null,
      extra),
    h('div', { class: 'pool-numbers' },
      h('span', { class: 'metric' }, h('b', { class: 'rps', dataset: { testid: 'rps', value: value.toFixed(3) } }, rate(value)), ' req/s'),
      h('span', { class: `metric errors ${errorClass}`, title: `${w.errors} errors of ${w.requests} requests in the last ${w.seconds} s` },
        h('b', { class: 'error-rate' }, percent(w.errorRate)), ' errors'),
      h('span', { class: 'metric', title: '95th percentile latency, last 60 s' }, 'p95 ', h('b', {}, w.p95Ms === null || w.p95Ms === undefined ? '—' : `${Math.round(w.p95Ms)} ms`)),
      h('span', { class: `metric targets ${healthy < pool.targets.length ? 'warn' : ''}`, title: pool.targets.map((t) => `${t.address} ${t.health}${t.draining ? ' draining' : ''}`).join('\n') },
        `${healthy}/${pool.targets.length} healthy`),
      sparkline(values, pool.name)));
}

/** A canary or rolling deployment in progress: its step, share and what it is doing. */
export function rolloutLine(rollout) {
  if (!rollout) return null;
  const parts = [`${rollout.strategy} step ${rollout.step} of ${rollout.steps}`];
  if (rollout.percent !== null && rollout.percent !== undefined) parts.push(`${rollout.percent} % of clients`);
  if (rollout.paused) parts.push('paused by hand');
  else if (rollout.stepEndsAt) parts.push(`next step in ${Math.max(0, Math.round((new Date(rollout.stepEndsAt) - Date.now()) / 1000))} s`);
  return h('div', { class: 'rollout', dataset: { testid: 'rollout' }, title: rollout.detail || '' },
    parts.join(' · '),
    h('div', { class: 'rollout-bar' }, h('progress', { max: String(Math.max(1, rollout.steps)), value: String(Math.max(0, rollout.step)) })));
}

export function renderCards(container, status, selected, onSelect) {
  const now = Date.now();
  clear(container);
  for (const s of status.services) {
    const badges = [];
    if (s.paused) badges.push(h('span', { class: 'badge warn' }, 'paused'));
    if (s.maintenance) badges.push(h('span', { class: 'badge warn' }, 'maintenance'));
    if (s.degraded) badges.push(h('span', { class: 'badge warn', title: s.degraded.reason, dataset: { testid: 'degraded' } }, `degraded: ${s.degraded.exits} exit${s.degraded.exits === 1 ? '' : 's'} in ${Math.round(s.degraded.seconds / 60)} min`));
    if (s.canaryPercent !== undefined && s.canaryPercent !== null) badges.push(h('span', { class: 'badge info', dataset: { testid: 'canary' } }, `canary ${s.canaryPercent} %`));
    if (!s.active) badges.push(h('span', { class: 'badge' }, s.notDeployed ? 'never deployed' : 'not live'));
    const card = h('article', {
      class: `card service-card${s.name === selected ? ' selected' : ''}`,
      dataset: { service: s.name },
      tabindex: '0',
      'aria-label': `Service ${s.name}`,
      onclick: () => onSelect(s.name),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(s.name); } },
    },
    h('header', {}, h('h3', {}, s.name), h('div', { class: 'badges' }, badges)),
    h('p', { class: 'hosts' }, s.notDeployed ? 'applied; deploy a release to route it' : s.hosts.length ? s.hosts.join(', ') : 'any host', s.path !== '/' ? s.path : ''),
    s.active ? poolRow(s, s.active, 'active', now) : null,
    s.candidate ? poolRow(s, s.candidate, 'candidate', now, s.canaryPercent ? h('span', { class: 'share' }, `${s.canaryPercent} % of clients`) : null) : null,
    rolloutLine(s.rollout));
    container.append(card);
  }
}
