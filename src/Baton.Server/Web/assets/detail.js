// The selected service: its links, the deploy form with the registry's tags, the running
// deployment step by step, the operator's actions, and its history with reasons and timings.

import { get, post, stream } from './api.js';
import { h, fill, clear, colour, tagOf, repositoryOf, seconds, when, clock } from './dom.js';
import { publicUrl, rolloutLine } from './cards.js';
import { createTraffic } from './traffic.js';

const enc = encodeURIComponent;

export function createDetail(container, ctx) {
  let name = null;
  let service = null;
  let port = null;
  let deployments = [];
  let repository = null;
  // The tags' load also learns the repository: a deploy waits for it, so a typed tag is never sent without its repository.
  let tagsLoaded = Promise.resolve();
  let streaming = false; // this page runs a deployment command and reads its stream
  let els = {};
  const traffic = createTraffic();

  function select(next) {
    if (next === name) return;
    name = next;
    service = null;
    deployments = [];
    repository = null;
    streaming = false;
    traffic.select(next);
    build();
    tagsLoaded = loadTags().catch(() => {});
    refreshHistory();
  }

  function build() {
    clear(container);
    container.hidden = !name;
    if (!name) return;
    const can = ctx.allowed('deployer');
    els = {};
    els.title = h('h2', { id: 'detail-name' }, name);
    els.summary = h('div', { class: 'summary', id: 'detail-summary' });
    els.links = h('div', { class: 'links', id: 'detail-links' });
    els.progress = h('section', { class: 'card progress', id: 'progress', hidden: true });
    els.actions = can ? buildActions() : null;
    els.deploy = can ? buildDeploy() : null;
    els.history = h('tbody', { id: 'history-rows' });
    fill(container,
      h('div', { class: 'detail-head' }, els.title, els.summary),
      els.links,
      can ? null : h('p', { class: 'note', id: 'read-only-note' }, `Your role (${ctx.role()}) can look at everything but change nothing.`),
      els.progress,
      traffic.el,
      can ? h('div', { class: 'two-col' }, els.deploy, els.actions) : null,
      h('section', { class: 'card history' },
        h('h3', {}, 'History'),
        h('table', { class: 'grid', id: 'history-table' },
          h('thead', {}, h('tr', {}, ['#', 'Kind', 'Release', 'Image', 'Colour', 'By', 'Started', 'Took', 'Outcome', 'Reason and steps'].map((t) => h('th', {}, t)))),
          els.history)));
  }

  // --- deploy form -----------------------------------------------------------------------

  function buildDeploy() {
    const field = (label, input, hint) => h('label', {}, label, input, hint ? h('span', { class: 'hint' }, hint) : null);
    els.tagSelect = h('select', { id: 'deploy-tag', 'aria-label': 'Tag from the registry' }, h('option', { value: '' }, 'loading tags…'));
    els.tagText = h('input', { id: 'deploy-tag-text', placeholder: 'or type a tag', spellcheck: 'false', autocomplete: 'off' });
    els.tagsError = h('p', { class: 'error small', id: 'tags-error', hidden: true });
    els.repo = h('code', { id: 'deploy-repository' }, '…');
    els.strategy = h('select', { id: 'deploy-strategy' },
      h('option', { value: 'blue-green' }, 'blue-green'), h('option', { value: 'canary' }, 'canary'), h('option', { value: 'rolling' }, 'rolling'));
    els.steps = h('input', { id: 'deploy-steps', value: '5,25,50,100', spellcheck: 'false' });
    els.stepTime = h('input', { id: 'deploy-step-time', value: '60s', spellcheck: 'false', size: '6' });
    els.maxSurge = h('input', { id: 'deploy-max-surge', type: 'number', min: '0', value: '1' });
    els.maxUnavailable = h('input', { id: 'deploy-max-unavailable', type: 'number', min: '0', value: '0' });
    els.hold = h('input', { id: 'deploy-hold', type: 'checkbox' });
    els.stepTimeField = field('Step time', els.stepTime);
    els.canaryFields = h('div', { class: 'row', hidden: true }, field('Steps (% of clients)', els.steps));
    els.rollingFields = h('div', { class: 'row', hidden: true }, field('Max surge', els.maxSurge), field('Max unavailable', els.maxUnavailable));
    els.stepTimeRow = h('div', { class: 'row', hidden: true }, els.stepTimeField);
    els.deployButton = h('button', { type: 'submit', class: 'primary', id: 'deploy-button' }, 'Deploy');
    els.deployError = h('p', { class: 'error small', id: 'deploy-error', hidden: true });
    els.strategy.addEventListener('change', () => {
      els.canaryFields.hidden = els.strategy.value !== 'canary';
      els.rollingFields.hidden = els.strategy.value !== 'rolling';
      els.stepTimeRow.hidden = els.strategy.value === 'blue-green';
      els.stepTime.value = els.strategy.value === 'rolling' ? '10s' : '60s';
    });
    els.tagSelect.addEventListener('change', () => { if (els.tagSelect.value) els.tagText.value = ''; });
    return h('form', { class: 'card deploy', id: 'deploy-form', onsubmit: (e) => { e.preventDefault(); deploy(); } },
      h('h3', {}, 'Deploy'),
      h('p', { class: 'muted' }, 'Repository ', els.repo),
      h('div', { class: 'row' }, field('Tag', els.tagSelect), field('', els.tagText)),
      els.tagsError,
      h('div', { class: 'row' }, field('Strategy', els.strategy), h('label', { class: 'check' }, els.hold, 'Hold before the switch')),
      els.canaryFields,
      els.rollingFields,
      els.stepTimeRow,
      els.deployError,
      h('div', { class: 'buttons' }, els.deployButton));
  }

  async function loadTags() {
    if (!els.tagSelect) return;
    const forName = name;
    const tags = await get(`/api/services/${enc(name)}/tags`);
    if (forName !== name) return;
    clear(els.tagSelect);
    if (tags.ok) {
      repository = repositoryOf(tags.data.repository);
      els.tagsError.hidden = true;
      els.tagSelect.append(h('option', { value: '' }, tags.data.tags.length ? 'pick a tag' : 'no tags in the registry'));
      for (const t of tags.data.tags) {
        els.tagSelect.append(h('option', { value: t.tag }, t.created ? `${t.tag}  (${new Date(t.created).toLocaleString('en-GB')})` : t.tag));
      }
    } else {
      els.tagSelect.append(h('option', { value: '' }, 'no tags listed'));
      els.tagsError.textContent = tags.status === 404 && !tags.data ? 'This server does not list registry tags; type a tag.' : tags.error;
      els.tagsError.hidden = false;
      const definition = await get(`/api/services/${enc(name)}/definition`);
      if (forName !== name) return;
      if (definition.ok) repository = repositoryOf(definition.data.image);
    }
    if (!repository && service?.active?.image) repository = repositoryOf(service.active.image);
    els.repo.textContent = repository || 'unknown: type a full image reference';
  }

  function deployRequest() {
    const tag = els.tagText.value.trim() || els.tagSelect.value;
    if (!tag) return { error: 'Pick a tag from the list or type one.' };
    if (!repository && service?.active?.image) repository = repositoryOf(service.active.image);
    if (!tag.includes('/') && !repository) return { error: `The repository of ${name} is unknown: type a full image reference, such as registry/app:${tag}.` };
    const image = tag.includes('/') ? tag : `${repository}:${tag}`;
    const body = { image, hold: els.hold.checked };
    const strategy = els.strategy.value;
    if (strategy === 'canary') {
      const steps = els.steps.value.split(/[\s,]+/).filter(Boolean).map(Number);
      if (steps.some((s) => !Number.isFinite(s))) return { error: 'Steps are percentages separated by commas, such as 5,25,50,100.' };
      Object.assign(body, { strategy, steps, stepTime: els.stepTime.value.trim() || undefined });
    } else if (strategy === 'rolling') {
      Object.assign(body, { strategy, maxSurge: Number(els.maxSurge.value), maxUnavailable: Number(els.maxUnavailable.value), stepTime: els.stepTime.value.trim() || undefined });
    }
    return { body };
  }

  async function deploy() {
    const forName = name;
    await tagsLoaded;
    if (forName !== name) return;
    const { body, error } = deployRequest();
    showError(els.deployError, error);
    if (error) return;
    await run('deploy', `Deploying ${tagOf(body.image)}${body.hold ? ' (held before the switch)' : ''}`, body);
  }

  // --- actions ---------------------------------------------------------------------------

  function buildActions() {
    const button = (id, text, onclick, cls) => h('button', { type: 'button', id, class: cls, onclick }, text);
    els.promote = button('promote-button', 'Promote', () => run('promote', 'Promoting the candidate'));
    els.abort = button('abort-button', 'Abort', async () => {
      if (await ctx.confirm('Abort the deployment?', `The candidate of ${name} is stopped and live traffic stays where it is.`, 'Abort')) run('abort', 'Aborting');
    }, 'danger');
    els.rollbackTo = h('select', { id: 'rollback-to', 'aria-label': 'Release to roll back to' });
    els.rollback = button('rollback-button', 'Roll back', async () => {
      const to = els.rollbackTo.value;
      const label = to ? els.rollbackTo.selectedOptions[0].textContent : 'the previous release';
      if (await ctx.confirm('Roll back?', `${name} goes back to ${label}; live traffic switches at once.`, 'Roll back')) run('rollback', `Rolling back to ${label}`, to ? { to } : undefined);
    }, 'danger');
    els.pauseMax = h('input', { id: 'pause-max', value: '30s', size: '5', 'aria-label': 'Longest hold' });
    els.pause = button('pause-button', 'Pause', async () => {
      if (await ctx.confirm('Pause traffic?', `New requests to ${name} wait (up to ${els.pauseMax.value}) instead of reaching the app.`, 'Pause')) simple('pause', { max: els.pauseMax.value.trim() || undefined });
    });
    els.resume = button('resume-button', 'Resume', () => simple('resume'));
    els.maintenanceMessage = h('input', { id: 'maintenance-message', placeholder: 'message for visitors', 'aria-label': 'Maintenance message' });
    els.maintenanceOn = button('maintenance-on', 'Maintenance on', async () => {
      if (await ctx.confirm('Turn maintenance on?', `Visitors of ${name} get the maintenance page (503) until it is turned off.`, 'Turn on')) simple('maintenance', { on: true, message: els.maintenanceMessage.value.trim() || null });
    }, 'danger');
    els.maintenanceOff = button('maintenance-off', 'Maintenance off', () => simple('maintenance', { on: false, message: null }));
    els.canaryPercent = h('input', { id: 'canary-percent', type: 'number', min: '0', max: '100', step: '1', value: '10', 'aria-label': 'Candidate share in percent' });
    els.canary = button('canary-button', 'Set share', () => simple('canary', { percent: Number(els.canaryPercent.value) }));
    els.actionError = h('p', { class: 'error small', id: 'action-error', hidden: true });
    els.heldRow = h('div', { class: 'action-row', id: 'held-actions' }, h('span', { class: 'label' }, 'Candidate'), els.promote, els.abort);
    els.canaryRow = h('div', { class: 'action-row', id: 'canary-actions' }, h('span', { class: 'label' }, 'Canary'), els.canaryPercent, h('span', {}, '% of clients'), els.canary);
    return h('section', { class: 'card actions', id: 'actions' },
      h('h3', {}, 'Actions'),
      els.heldRow,
      els.canaryRow,
      h('div', { class: 'action-row' }, h('span', { class: 'label' }, 'Rollback'), els.rollbackTo, els.rollback),
      h('div', { class: 'action-row' }, h('span', { class: 'label' }, 'Traffic'), els.pauseMax, els.pause, els.resume),
      h('div', { class: 'action-row' }, h('span', { class: 'label' }, 'Maintenance'), els.maintenanceMessage, els.maintenanceOn, els.maintenanceOff),
      els.actionError);
  }

  async function simple(action, body) {
    const answer = await post(`/api/services/${enc(name)}/${action}`, body);
    showError(els.actionError, answer.ok ? null : answer.error);
    ctx.changed();
  }

  /** A deployment command whose progress streams back; shown step by step as it comes. */
  async function run(action, heading, body) {
    if (streaming) {
      // Promote or abort reach a canary or rolling rollout this page is following: their
      // progress joins the running list.
      if ((action === 'promote' || action === 'abort') && els.progressList) {
        const list = els.progressList;
        const result = await stream(`/api/services/${enc(name)}/${action}`, body, (e) => list.append(eventItem(e)));
        if (result.error) list.append(eventItem({ kind: 'failed', message: result.error, at: new Date().toISOString() }));
      }
      return;
    }
    streaming = true;
    const forName = name;
    showError(els.deployError, null);
    showError(els.actionError, null);
    const list = h('ol', { class: 'steps', id: 'progress-steps' });
    els.progressList = list;
    const state = h('span', { class: 'badge running', id: 'progress-state' }, 'running');
    delete els.progress.dataset.source;
    fill(els.progress, h('header', {}, h('h3', {}, heading), state), list);
    els.progress.hidden = false;
    updateButtons();
    const result = await stream(`/api/services/${enc(forName)}/${action}`, body, (e) => list.append(eventItem(e)));
    if (forName !== name) return;
    streaming = false;
    state.className = `badge ${result.ok ? 'good' : 'bad'}`;
    state.textContent = result.ok ? 'done' : result.outcome === 'refused' ? 'refused' : 'failed';
    els.progressList = null;
    if (result.error) list.append(eventItem({ kind: 'failed', message: result.error, at: new Date().toISOString() }));
    updateButtons();
    ctx.changed();
    refreshHistory();
  }

  // --- status and history ------------------------------------------------------------------

  function update(next, publicPort) {
    if (!name || !next || next.name !== name) return;
    service = next;
    port = publicPort;
    fill(els.summary, 
      next.active ? h('span', { class: 'live' }, 'live ', colour(next.active.name), next.active.release ? ` ${next.active.release}` : '', next.active.image ? h('b', { id: 'live-tag' }, ` ${tagOf(next.active.image)}`) : '') : h('span', { class: 'muted' }, 'not live yet'),
      next.rollout ? h('span', { class: 'badge running' }, `${next.rollout.strategy} running`) : null,
      next.paused ? h('span', { class: 'badge warn' }, 'paused') : null,
      next.maintenance ? h('span', { class: 'badge warn', title: next.maintenanceMessage || '' }, 'maintenance') : null,
      next.degraded ? h('p', { class: 'degraded', id: 'detail-degraded' }, h('b', {}, 'Degraded: '), next.degraded.reason, routerAnswers(next.degraded.routerAnswers)) : null);
    const links = [];
    for (const host of next.hosts.filter((x) => !x.startsWith('*'))) links.push(h('a', { href: publicUrl(host, port), target: '_blank', rel: 'noopener' }, host));
    for (const pool of [next.active, next.candidate].filter(Boolean)) {
      // Staging hosts answer only on the staging listener: link there, or to nothing when it runs none.
      (pool.stagingHosts || []).forEach((host, i) => {
        const url = (pool.stagingUrls || [])[i];
        links.push(url
          ? h('a', { class: 'staging', href: url, target: '_blank', rel: 'noopener', dataset: { colour: pool.name }, title: 'on the staging listener' }, colour(pool.name), host)
          : h('span', { class: 'staging muted', title: 'the router runs no staging listener' }, colour(pool.name), host));
      });
    }
    fill(els.links, links.length ? h('span', { class: 'label' }, 'Open') : null, links);
    updateButtons();
  }

  /** The router's own error answers to the service, the part of a crash loop its visitors saw. */
  function routerAnswers(a) {
    if (!a) return null;
    const parts = [['502', a.s502], ['503', a.s503], ['504', a.s504]].filter(([, n]) => n > 0).map(([code, n]) => `${n} × ${code}`);
    return parts.length ? h('span', { class: 'muted', dataset: { testid: 'router-answers' } }, ` Router answers since it started: ${parts.join(', ')}.`) : null;
  }

  function updateButtons() {
    if (!els.actions) return;
    const top = deployments[0];
    const held = top && top.outcome === 'held';
    const running = streaming || (top && top.outcome === 'running');
    // A held candidate, or a canary/rolling rollout still stepping, can be promoted or aborted.
    const rollout = !!service?.rollout;
    els.heldRow.hidden = !held && !rollout && !service?.candidate;
    els.promote.disabled = !(held || rollout) || (running && !rollout) || (streaming && !rollout);
    els.abort.disabled = (streaming && !rollout) || !(held || running || rollout);
    els.canaryRow.hidden = !(service?.candidate && service?.active);
    els.deployButton.disabled = running || held;
    els.rollback.disabled = running || held;
    els.pause.disabled = !!service?.paused;
    els.resume.disabled = !service?.paused;
    els.maintenanceOn.disabled = !!service?.maintenance;
    els.maintenanceOff.disabled = !service?.maintenance;
  }

  async function refreshHistory() {
    if (!name) return;
    const forName = name;
    const answer = await get(`/api/services/${enc(name)}/history?limit=30`);
    if (forName !== name || !answer.ok) return;
    deployments = answer.data.deployments;
    renderHistory();
    renderRollbackChoices();
    if (!streaming) renderElsewhere();
    updateButtons();
  }

  function renderHistory() {
    clear(els.history);
    if (!deployments.length) els.history.append(h('tr', {}, h('td', { colspan: '10', class: 'muted' }, 'No deployments yet.')));
    for (const d of deployments) {
      const took = d.finishedAt ? (new Date(d.finishedAt) - new Date(d.startedAt)) / 1000 : null;
      els.history.append(h('tr', { dataset: { deployment: d.id, outcome: d.outcome } },
        h('td', {}, d.id),
        h('td', {}, d.kind),
        h('td', {}, d.release),
        h('td', { title: d.image + (d.digest ? `@${d.digest}` : '') }, h('code', { class: 'history-tag' }, tagOf(d.image))),
        h('td', {}, d.color ? colour(d.color) : ''),
        h('td', {}, d.author),
        h('td', {}, when(d.startedAt)),
        h('td', { class: 'num' }, took === null ? '' : seconds(took)),
        h('td', {}, h('span', { class: `badge ${outcomeClass(d.outcome)}` }, d.outcome)),
        h('td', { class: 'reason' },
          d.reason ? h('div', {}, d.reason) : null,
          d.steps.length ? h('details', {}, h('summary', {}, `${d.steps.length} steps`), stepList(d.steps)) : null)));
    }
  }

  function renderRollbackChoices() {
    if (!els.rollbackTo) return;
    const previous = els.rollbackTo.value;
    const live = service?.active?.release;
    const seen = new Set();
    fill(els.rollbackTo, h('option', { value: '' }, 'previous release'));
    for (const d of deployments) {
      if (d.outcome !== 'succeeded' || d.release === live || seen.has(d.release)) continue;
      seen.add(d.release);
      els.rollbackTo.append(h('option', { value: d.release }, `${d.release} (${tagOf(d.image)})`));
    }
    if ([...els.rollbackTo.options].some((o) => o.value === previous)) els.rollbackTo.value = previous;
  }

  /** A deployment started elsewhere (CLI, another operator): its steps from the history while it runs or is held. */
  function renderElsewhere() {
    const top = deployments[0];
    if (!top || (top.outcome !== 'running' && top.outcome !== 'held')) {
      if (els.progress.dataset.source === 'history') { els.progress.hidden = true; delete els.progress.dataset.source; }
      return;
    }
    els.progress.dataset.source = 'history';
    fill(els.progress,
      h('header', {}, h('h3', {}, `Deployment #${top.id}: ${tagOf(top.image)} by ${top.author}`), h('span', { class: `badge ${outcomeClass(top.outcome)}`, id: 'progress-state' }, top.outcome)),
      top.reason ? h('p', { class: 'reason' }, top.reason) : null,
      service?.rollout ? rolloutLine(service.rollout) : null,
      stepList(top.steps, top.outcome === 'running'));
    els.progress.hidden = false;
  }

  return { select, update, refreshHistory, refreshTraffic: (force) => traffic.refresh(force), get name() { return name; } };
}

/** One line of a streamed progress: its time, a mark for its kind, and the server's sentence. */
function eventItem(e) {
  const mark = e.kind === 'done' ? '✓' : e.kind === 'failed' ? '✗' : e.kind === 'info' ? '·' : '→';
  return h('li', { class: `event ${e.kind}` }, h('span', { class: 'at' }, clock(e.at)), h('span', { class: 'kind' }, mark), h('span', { class: 'message' }, e.message));
}

function stepList(steps, live) {
  return h('ol', { class: 'steps' }, steps.map((s, i) => h('li', { class: `step ${s.outcome}` },
    h('span', { class: 'kind' }, s.outcome === 'ok' || s.outcome === 'succeeded' ? '✓' : s.outcome === 'failed' ? '✗' : live && i === steps.length - 1 ? '…' : '·'),
    h('span', { class: 'message' }, s.name, s.detail && !/^[\d.]+ ?m?s$/.test(s.detail) ? h('span', { class: 'muted' }, ` — ${s.detail}`) : null),
    h('span', { class: 'took' }, seconds(s.seconds)))));
}

function outcomeClass(outcome) {
  switch (outcome) {
    case 'succeeded': return 'good';
    case 'running': case 'held': return 'running';
    case 'failed': case 'rolled-back': return 'bad';
    default: return 'warn';
  }
}

function showError(el, message) {
  if (!el) return;
  el.textContent = message || '';
  el.hidden = !message;
}
