// The admin API as the page uses it: a session cookie with its CSRF token, or a pasted bearer token.
// Every answer becomes { ok, status, data, error } — error is the server's one sentence.

const TOKEN_KEY = 'baton.token';

const auth = {
  csrf: null,
  token: sessionStorage.getItem(TOKEN_KEY),
};

/** Called when a call answers 401: the session ended. */
let onUnauthorized = () => {};

export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

export function useToken(token) {
  auth.token = token || null;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function setCsrf(csrf) {
  auth.csrf = csrf || null;
}

export function hasToken() {
  return !!auth.token;
}

function headers(method, body) {
  const h = { Accept: 'application/json' };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (auth.token) h.Authorization = `Bearer ${auth.token}`;
  else if (auth.csrf && !['GET', 'HEAD'].includes(method)) h['X-CSRF-Token'] = auth.csrf;
  return h;
}

async function send(method, path, body) {
  try {
    return await fetch(path, {
      method,
      headers: headers(method, body),
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return null;
  }
}

async function answer(response, path) {
  if (response === null) return { ok: false, status: 0, error: 'Baton did not answer; is baton server running?' };
  let data = null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (response.ok) return { ok: true, status: response.status, data };
  const error = data && typeof data.error === 'string' ? data.error : `${path} answered ${response.status} ${response.statusText}.`;
  if (response.status === 401 && !path.startsWith('/api/session')) onUnauthorized(error);
  return { ok: false, status: response.status, data, error, retryAfter: response.headers.get('Retry-After') };
}

export async function call(method, path, body) {
  return answer(await send(method, path, body), path);
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);

/**
 * A long operation (deploy, promote, abort, rollback): POST, then read its text/event-stream answer
 * event by event. onEvent gets { kind, message, at }. Resolves to { ok, outcome, error }.
 */
export async function stream(path, body, onEvent) {
  const response = await send('POST', path, body);
  if (response === null || !response.ok || !(response.headers.get('Content-Type') || '').includes('text/event-stream')) {
    const failed = await answer(response, path);
    return { ok: false, outcome: 'refused', error: failed.error };
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let outcome = null;
  const handle = (block) => {
    const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (!data) return;
    let event;
    try { event = JSON.parse(data); } catch { return; }
    if (event.kind === 'done' || event.kind === 'failed') outcome = event.kind;
    onEvent(event);
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        handle(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
    if (buffer.trim()) handle(buffer);
  } catch {
    // The connection dropped; the operation goes on in the server, and history shows it.
  }
  if (outcome === null) return { ok: false, outcome: 'unknown', error: 'The progress stream ended before the operation did; the history below shows where it stands.' };
  return { ok: outcome === 'done', outcome };
}
