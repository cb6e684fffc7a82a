// The audit log: who did what to which service, newest first.

import { get } from './api.js';
import { h, $, clear, when } from './dom.js';

export async function loadAudit(service) {
  const rows = $('audit-rows');
  const error = $('audit-error');
  const answer = await get(`/api/audit?limit=100${service ? `&service=${encodeURIComponent(service)}` : ''}`);
  clear(rows);
  if (!answer.ok) {
    error.textContent = answer.status === 404 && !answer.data ? 'This server keeps no audit log yet.' : answer.error;
    error.hidden = false;
    return;
  }
  error.hidden = true;
  if (!answer.data.entries.length) rows.append(h('tr', {}, h('td', { colspan: '6', class: 'muted' }, 'Nothing recorded yet.')));
  for (const e of answer.data.entries) {
    rows.append(h('tr', { dataset: { audit: e.id } },
      h('td', {}, when(e.at)),
      h('td', {}, e.actor),
      h('td', {}, h('code', {}, e.action)),
      h('td', {}, e.target || ''),
      h('td', {}, h('span', { class: `badge ${e.outcome === 'succeeded' ? 'good' : e.outcome === 'failed' || e.outcome === 'denied' ? 'bad' : 'warn'}` }, e.outcome)),
      h('td', { class: 'reason' }, e.detail || '')));
  }
}
