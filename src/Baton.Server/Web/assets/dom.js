// Small DOM and formatting helpers. Text is always set as text, never as HTML.

const SVG = 'http://www.w3.org/2000/svg';

/** h('div', { class: 'x', onclick: fn }, 'text', child…) */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children (nulls and nested arrays allowed). */
export function fill(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

export function $(id) {
  return document.getElementById(id);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function show(el, visible) {
  el.hidden = !visible;
}

export function tagOf(image) {
  if (!image) return null;
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : 'latest';
}

export function repositoryOf(image) {
  if (!image) return null;
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

export function rate(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  if (value < 10) return value.toFixed(1);
  return Math.round(value).toLocaleString('en');
}

export function percent(fraction) {
  if (fraction === null || fraction === undefined) return '—';
  const p = fraction * 100;
  if (p === 0) return '0 %';
  if (p < 0.1) return '<0.1 %';
  return `${p < 10 ? p.toFixed(1) : Math.round(p)} %`;
}

export function seconds(s) {
  if (s === null || s === undefined) return '';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} m ${Math.round(s % 60)} s`;
}

export function ago(iso) {
  if (!iso) return '';
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (s < 5) return 'just now';
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}

export function clock(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function when(iso) {
  if (!iso) return '';
  return h('time', { datetime: iso, title: new Date(iso).toLocaleString('en-GB') }, ago(iso));
}

/** A colour marker that does not rely on hue alone: a shape and the colour's name. */
export function colour(name) {
  if (!name) return h('span', { class: 'colour none' }, 'unnamed');
  const known = name === 'blue' || name === 'green';
  return h('span', { class: `colour ${known ? name : 'other'}`, dataset: { colour: name } },
    h('span', { class: 'marker', 'aria-hidden': 'true' }), name);
}

/** A small line of requests/s over the last samples, drawn as SVG. */
export function sparkline(values, colourName) {
  const width = 120;
  const height = 28;
  const svg = h('svg:svg', { class: `spark ${colourName || ''}`, viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'requests per second, last 2 minutes' });
  if (values.length < 2) return svg;
  const max = Math.max(1, ...values);
  const step = width / (Math.max(values.length, 60) - 1);
  const offset = width - step * (values.length - 1);
  const points = values.map((v, i) => `${(offset + i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  svg.append(h('svg:polyline', { points, fill: 'none', 'stroke-width': '1.5' }));
  return svg;
}
