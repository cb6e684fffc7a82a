// The page's entry: log in, poll the status every 2 s while the tab is visible, and wire the views.

import { call, get, setCsrf, useToken, hasToken, setUnauthorizedHandler } from './api.js';
import { $, show } from './dom.js';
import { renderCards } from './cards.js';
import { createDetail } from './detail.js';
import { loadAudit } from './audit.js';

const POLL_MS = 2000;
const ROLES = ['viewer', 'deployer', 'admin'];

let session = null; // { user, role, csrfToken }
let timer = null;
let selected = null;
let view = 'services';
let lastServices = [];

const detail = createDetail($('detail'), {
  role: () => session?.role ?? 'viewer',
  allowed: (min) => ROLES.indexOf(session?.role ?? 'viewer') >= ROLES.indexOf(min),
  confirm,
  changed: () => poll(),
});

// --- session ---------------------------------------------------------------------------------

async function start() {
  const current = await get('/api/session');
  if (current.ok) return enter(current.data);
  if (hasToken() && current.status === 404) return enter({ user: 'token', role: 'admin' }); // a server without sessions
  if (hasToken() && current.status === 401) useToken(null);
  showLogin();
}

function showLogin(message) {
  session = null;
  stopPolling();
  show($('dashboard'), false);
  show($('who'), false);
  show($('views'), false);
  show($('live-state'), false);
  show($('login'), true);
  loginError(message);
  $('login-user').focus();
}

function loginError(message, retryAfter) {
  const el = $('login-error');
  el.textContent = message ? message + (retryAfter && !/\d/.test(message) ? ` Try again in ${retryAfter} s.` : '') : '';
  el.hidden = !message;
}

function enter(answer) {
  session = answer;
  setCsrf(answer.csrfToken);
  $('who-user').textContent = answer.user;
  $('who-role').textContent = answer.role;
  show($('login'), false);
  show($('who'), true);
  show($('views'), true);
  show($('dashboard'), true);
  $('login-password').value = '';
  setView(view);
  startPolling();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const button = $('login-submit');
  button.disabled = true;
  const answer = await call('POST', '/api/session', { user: $('login-user').value.trim(), password: $('login-password').value });
  button.disabled = false;
  if (answer.ok) return enter(answer.data);
  loginError(answer.status === 404 ? 'This server has no user logins yet; use its API token below.' : answer.error, answer.retryAfter);
});

$('token-submit').addEventListener('click', async () => {
  const token = $('login-token').value.trim();
  if (!token) return loginError('Paste the token first.');
  useToken(token);
  const check = await get('/api/status');
  if (!check.ok) {
    useToken(null);
    return loginError(check.error);
  }
  $('login-token').value = '';
  const who = await get('/api/session');
  enter(who.ok ? who.data : { user: 'token', role: 'admin' });
});

$('logout').addEventListener('click', async () => {
  if (!hasToken()) await call('DELETE', '/api/session');
  useToken(null);
  setCsrf(null);
  selected = null;
  detail.select(null);
  showLogin();
});

setUnauthorizedHandler((message) => showLogin(message || 'Your session ended; log in again.'));

// --- status polling ----------------------------------------------------------------------------

function startPolling() {
  stopPolling();
  poll();
}

function stopPolling() {
  clearTimeout(timer);
  timer = null;
}

let polling = false;
async function poll() {
  if (!session || polling) return;
  polling = true;
  clearTimeout(timer);
  try {
    const [status, applied] = await Promise.all([get('/api/status'), get('/api/services')]);
    if (!session) return;
    const banner = $('banner');
    banner.hidden = status.ok;
    $('live-state').classList.toggle('stale', !status.ok);
    show($('live-state'), true);
    $('live-text').textContent = status.ok ? `Live · ${new Date().toLocaleTimeString('en-GB')}` : 'Not updating';
    if (!status.ok) {
      banner.textContent = status.error;
      return;
    }
    lastServices = withApplied(status.data.services, applied.ok ? applied.data.services : []);
    if (!selected && lastServices.length) select(lastServices[0].name, false);
    if (selected && !lastServices.some((s) => s.name === selected)) select(lastServices[0]?.name ?? null, false);
    renderCards($('service-cards'), { services: lastServices }, selected, (name) => select(name, true));
    $('service-count').textContent = lastServices.length ? `(${lastServices.length})` : '';
    show($('no-services'), lastServices.length === 0);
    refreshAuditChoices();
    detail.update(lastServices.find((s) => s.name === selected), status.data.publicPort);
    await Promise.all([detail.refreshHistory(), detail.refreshTraffic()]);
  } finally {
    polling = false;
    if (session && !document.hidden) timer = setTimeout(poll, POLL_MS);
  }
}

/** Services applied from a baton.yml but never deployed are not routed yet; they get a card too, for their first deploy. */
function withApplied(routed, applied) {
  const names = new Set(routed.map((s) => s.name));
  const waiting = applied.filter((n) => !names.has(n)).map((name) => ({
    name, hosts: [], path: '/', paused: false, maintenance: false, active: null, candidate: null, notDeployed: true,
  }));
  return [...routed, ...waiting].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function select(name, render) {
  selected = name;
  detail.select(name);
  if (render) {
    for (const card of document.querySelectorAll('.service-card')) card.classList.toggle('selected', card.dataset.service === name);
    detail.update(lastServices.find((s) => s.name === name));
    poll();
  }
}

// A hidden tab stops polling; it catches up as soon as it is seen again.
document.addEventListener('visibilitychange', () => {
  if (document.hidden) stopPolling();
  else if (session) startPolling();
});

// --- views -----------------------------------------------------------------------------------

function setView(next) {
  view = next;
  for (const tab of document.querySelectorAll('.view-tab')) {
    if (tab.dataset.view === next) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  show($('services-view'), next === 'services');
  show($('audit-view'), next === 'audit');
  if (next === 'audit') loadAudit($('audit-service').value);
}

for (const tab of document.querySelectorAll('.view-tab')) tab.addEventListener('click', () => setView(tab.dataset.view));
$('audit-refresh').addEventListener('click', () => loadAudit($('audit-service').value));
$('audit-service').addEventListener('change', () => loadAudit($('audit-service').value));

function refreshAuditChoices() {
  const select = $('audit-service');
  const names = lastServices.map((s) => s.name);
  const have = [...select.options].slice(1).map((o) => o.value);
  if (names.join() === have.join()) return;
  const value = select.value;
  while (select.options.length > 1) select.remove(1);
  for (const n of names) select.add(new Option(n, n));
  select.value = names.includes(value) ? value : '';
}

// --- confirmation ------------------------------------------------------------------------------

function confirm(title, text, verb) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = verb || 'Confirm';
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

start();
