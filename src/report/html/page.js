// @ts-check
/**
 * The HTML report's page script (issue 13), inlined into every report by page-shell.ts.
 * Plain JavaScript, type-checked by tsc (tsconfig.page.json, DOM lib), no dependencies:
 * a squarified treemap drawn as SVG, with zoom (click/Enter), zoom out (breadcrumb/Escape),
 * hover/focus details, colour by cause or layer, and layer highlighting.
 * It reads its data from <script type="application/json" id="goslim-data"> and makes no request.
 */
(function () {
  'use strict';

  /**
   * @typedef {{ name: string, path: string, bytes: number, files: number, kind: 'dir' | 'file' | 'small' | 'hidden' | 'leaf',
   *   key: string, pkg?: string, layer?: number, note?: string, children?: TNode[], parent?: TNode,
   *   keyBytes?: Map<string, number>, layerBytes?: Map<number, number>, hidden?: boolean, bin?: boolean }} TNode
   * @typedef {{ x: number, y: number, w: number, h: number }} Rect
   */

  const dataEl = document.getElementById('goslim-data');
  const hostEl = document.getElementById('treemap');
  if (!dataEl || !hostEl) return;
  const host = hostEl;
  /** @type {any} */
  const data = JSON.parse(dataEl.textContent || '{}');
  const crumbs = /** @type {HTMLElement} */ (document.getElementById('crumbs'));
  const details = /** @type {HTMLElement} */ (document.getElementById('details'));

  /** @param {number} n */
  function fmtBytes(n) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let v = n;
    let u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return u === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
  }
  /** @param {string} s */
  function esc(s) {
    return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
  }

  // ---- the tree -------------------------------------------------------------------------

  /**
   * @param {TNode} parent
   * @param {TNode} child
   */
  function adopt(parent, child) {
    child.parent = parent;
    (parent.children = parent.children || []).push(child);
  }

  /** Sums bytes, files, per-key and per-layer bytes bottom up; sorts children largest first. @param {TNode} n */
  function finish(n) {
    if (!n.children) return;
    n.bytes = 0;
    n.files = 0;
    n.keyBytes = new Map();
    n.layerBytes = new Map();
    for (const c of n.children) {
      finish(c);
      n.bytes += c.bytes;
      n.files += c.files;
      if (c.children && c.kind !== 'file') {
        for (const [k, b] of /** @type {Map<string, number>} */ (c.keyBytes)) n.keyBytes.set(k, (n.keyBytes.get(k) || 0) + b);
        for (const [l, b] of /** @type {Map<number, number>} */ (c.layerBytes)) n.layerBytes.set(l, (n.layerBytes.get(l) || 0) + b);
      } else {
        n.keyBytes.set(c.key, (n.keyBytes.get(c.key) || 0) + c.bytes);
        if (c.layer !== undefined) n.layerBytes.set(c.layer, (n.layerBytes.get(c.layer) || 0) + c.bytes);
      }
    }
    n.children.sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
    if (n.kind === 'file') n.files = 1; // a Go binary's file, zoomable into its size tree
  }

  /**
   * A node of a Go binary's size tree (sections, modules, packages), inside a file's tile.
   * @param {any} src
   * @param {string} prefix
   * @param {number} [layer]
   * @returns {TNode}
   */
  function binaryNode(src, prefix, layer) {
    const path = `${prefix} / ${src.n}`;
    /** @type {TNode} */
    const n = src.d
      ? { name: src.n, path, bytes: 0, files: 0, kind: 'dir', key: src.k || '', note: src.t || '', bin: true }
      : { name: src.n, path, bytes: src.b || 0, files: 0, kind: 'leaf', key: src.k || 'section', note: src.t || '', bin: true };
    if (layer !== undefined) n.layer = layer;
    if (src.d) for (const c of src.d) adopt(n, binaryNode(c, path, layer));
    return n;
  }

  /** @returns {TNode} */
  function imageTree() {
    const t = data.tree;
    /** @type {TNode} */
    const root = { name: 'image', path: '/', bytes: 0, files: 0, kind: 'dir', key: '' };
    /**
     * @param {any} src
     * @param {TNode} into
     */
    const walk = (src, into) => {
      for (const d of src.d || []) {
        /** @type {TNode} */
        const n = { name: d.n, path: `${into.path === '/' ? '' : into.path}/${d.n}`, bytes: 0, files: 0, kind: 'dir', key: '' };
        adopt(into, n);
        walk(d, n);
      }
      for (const f of src.f || []) {
        /** @type {TNode} */
        const n = { name: f[0], path: `${into.path === '/' ? '' : into.path}/${f[0]}`, bytes: f[1], files: 1, kind: 'file', key: t.causes[f[2]], layer: f[4] };
        if (f[3] >= 0) n.pkg = t.packages[f[3]];
        const exe = data.binaries && data.binaries[n.path];
        if (exe && exe.d) for (const c of exe.d) adopt(n, binaryNode(c, n.path, f[4]));
        adopt(into, n);
      }
      for (const s of src.s || []) {
        const cause = t.causes[s[2]];
        adopt(into, {
          name: `${s[0].toLocaleString('en-US')} small files`, path: `${into.path === '/' ? '' : into.path}/ (${s[0]} small files, ${cause}, layer ${s[3]})`,
          bytes: s[1], files: s[0], kind: 'small', key: cause, layer: s[3],
          note: `${s[0].toLocaleString('en-US')} files under ${fmtBytes(t.smallFileBytes)} each, drawn as one tile`,
        });
      }
    };
    walk(t.root, root);
    if (data.wasted > 0) {
      /** @type {TNode} */
      const hidden = { name: 'hidden in lower layers (wasted)', path: '(hidden in lower layers)', bytes: 0, files: 0, kind: 'dir', key: 'hidden', hidden: true };
      let attributed = 0;
      for (const [layer, bytes] of t.hidden) {
        attributed += bytes;
        adopt(hidden, { name: `written by layer ${layer}, hidden later`, path: `(hidden in lower layers)/layer ${layer}`, bytes, files: 0, kind: 'hidden', key: 'hidden', layer });
      }
      if (data.wasted > attributed) adopt(hidden, { name: 'hidden (no single layer)', path: '(hidden in lower layers)/other', bytes: data.wasted - attributed, files: 0, kind: 'hidden', key: 'hidden' });
      adopt(root, hidden);
    }
    finish(root);
    return root;
  }

  /** @returns {TNode} */
  function binaryTree() {
    /** @type {TNode} */
    const root = { name: data.root.n, path: data.root.n, bytes: 0, files: 0, kind: 'dir', key: '', bin: true };
    for (const c of data.root.d || []) adopt(root, binaryNode(c, data.root.n));
    finish(root);
    return root;
  }

  const root = data.kind === 'image' ? imageTree() : binaryTree();

  // ---- colours --------------------------------------------------------------------------

  let colourBy = 'cause';
  /** @type {number | null} */
  let highlight = null;
  /** @type {Map<number, string>} */
  const layerColours = new Map((data.layers || []).map((/** @type {any} */ l) => [l.index, l.color]));

  /**
   * @param {string} key
   * @param {boolean} [bin] a key of a binary's size tree rather than a cause
   */
  function keyColour(key, bin) {
    if (key === 'hidden') return 'url(#goslim-hatch)';
    const table = bin ? data.keys || data.binaryKeys : data.causes;
    return (table[key] && table[key].color) || '#9aa5b1';
  }
  /** @template T @param {Map<T, number> | undefined} m @returns {T | undefined} */
  function largest(m) {
    /** @type {T | undefined} */
    let best;
    let bytes = -1;
    for (const [k, b] of m || []) if (b > bytes) { best = k; bytes = b; }
    return best;
  }
  /** @param {TNode} n */
  function colour(n) {
    if (colourBy === 'layer' && data.kind === 'image') {
      const layer = n.children ? largest(n.layerBytes) : n.layer;
      const c = layer === undefined ? '#9aa5b1' : layerColours.get(layer) || '#9aa5b1';
      return n.kind === 'hidden' ? c : c;
    }
    if (n.kind === 'file') return keyColour(n.key);
    return keyColour(n.children ? String(largest(n.keyBytes) || '') : n.key, n.bin);
  }
  /** @param {TNode} n */
  function dimmed(n) {
    if (highlight === null) return false;
    if (n.children) return !(n.layerBytes && n.layerBytes.has(highlight));
    return n.layer !== highlight;
  }

  // ---- squarified layout (Bruls, Huizing, van Wijk) --------------------------------------

  /**
   * Lays `nodes` (largest first, bytes > 0) out in `r`. Returns one rect per node, in order.
   * @param {TNode[]} nodes
   * @param {Rect} r
   * @returns {Rect[]}
   */
  function squarify(nodes, r) {
    /** @type {Rect[]} */
    const out = [];
    const total = nodes.reduce((s, n) => s + n.bytes, 0);
    if (total <= 0 || r.w <= 0 || r.h <= 0) return out;
    const scale = (r.w * r.h) / total;
    let { x, y, w, h } = r;
    let i = 0;
    while (i < nodes.length) {
      const side = Math.min(w, h);
      let sum = nodes[i].bytes * scale;
      const max = sum;
      let min = sum;
      let worst = Math.max((side * side * max) / (sum * sum), (sum * sum) / (side * side * min));
      let j = i + 1;
      for (; j < nodes.length; j++) {
        const a = nodes[j].bytes * scale;
        const s2 = sum + a;
        const m2 = Math.min(min, a);
        const w2 = Math.max((side * side * max) / (s2 * s2), (s2 * s2) / (side * side * m2));
        if (w2 > worst) break;
        sum = s2;
        min = m2;
        worst = w2;
      }
      const thick = sum / side;
      let offset = 0;
      for (let k = i; k < j; k++) {
        const len = (nodes[k].bytes * scale) / thick;
        out.push(w >= h ? { x, y: y + offset, w: thick, h: len } : { x: x + offset, y, w: len, h: thick });
        offset += len;
      }
      if (w >= h) { x += thick; w -= thick; } else { y += thick; h -= thick; }
      i = j;
    }
    return out;
  }

  // ---- drawing --------------------------------------------------------------------------

  /** @type {TNode} */
  let current = root;
  /** @type {TNode[]} */
  let shown = [];
  /** @type {TNode[][]} */
  let shownSubs = [];

  /** @param {TNode} n */
  function label(n) {
    return `${n.name}: ${fmtBytes(n.bytes)}`;
  }
  /**
   * @param {string} text
   * @param {number} width
   */
  function fit(text, width) {
    const chars = Math.floor((width - 6) / 6.4);
    if (chars < 3) return '';
    return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
  }
  /** @param {number} v */
  const r1 = (v) => Math.round(v * 10) / 10;

  /**
   * Draws `n`'s children inside `area` (two levels below a tile at most), recording each drawn
   * node in `subs` so hover can name it.
   * @param {TNode} n
   * @param {Rect} area
   * @param {number} depth
   * @param {TNode[]} subs
   * @param {string[]} parts
   */
  function nest(n, area, depth, subs, parts) {
    const kids = (n.children || []).filter((c) => c.bytes > 0).slice(0, depth === 0 ? 400 : 100);
    const krects = squarify(kids, area);
    for (let k = 0; k < krects.length; k++) {
      const kr = krects[k];
      if (kr.w * kr.h < 2) continue;
      const c = kids[k];
      subs.push(c);
      const j = subs.length - 1;
      const kdim = dimmed(c) ? ' class="dim"' : '';
      if (c.children && depth < 1 && kr.w > 48 && kr.h > 40) {
        parts.push(`<rect class="dirbg" data-j="${j}" x="${r1(kr.x)}" y="${r1(kr.y)}" width="${r1(kr.w)}" height="${r1(kr.h)}"/>`);
        parts.push(`<text class="dirlabel" x="${r1(kr.x + 3)}" y="${r1(kr.y + 11)}">${esc(fit(`${c.name}/`, kr.w))}</text>`);
        nest(c, { x: kr.x + 1, y: kr.y + 14, w: kr.w - 2, h: kr.h - 15 }, depth + 1, subs, parts);
      } else {
        parts.push(`<rect${kdim} data-j="${j}" x="${r1(kr.x)}" y="${r1(kr.y)}" width="${r1(kr.w)}" height="${r1(kr.h)}" fill="${colour(c)}"/>`);
        if (kr.w > 50 && kr.h > 14) parts.push(`<text x="${r1(kr.x + 3)}" y="${r1(kr.y + 12)}">${esc(fit(c.name, kr.w))}</text>`);
      }
    }
  }

  function render() {
    const width = Math.max(320, Math.round(host.clientWidth || 960));
    const height = Math.max(320, Math.round(width * 0.56));
    const nodes = (current.children || []).filter((n) => n.bytes > 0);
    const rects = squarify(nodes, { x: 0, y: 0, w: width, h: height });
    /** @type {string[]} */
    const parts = [];
    shown = [];
    shownSubs = [];
    for (let i = 0; i < rects.length; i++) {
      const n = nodes[i];
      const r = rects[i];
      if (r.w * r.h < 4) continue;
      const idx = shown.length;
      shown.push(n);
      /** @type {TNode[]} */
      const subs = [];
      const dim = dimmed(n) ? ' dim' : '';
      const zoomable = n.children && n.children.length > 0;
      parts.push(`<g class="tile${dim}" tabindex="0" role="button" data-i="${idx}" data-kind="${n.kind}" data-bytes="${n.bytes}" aria-label="${esc(label(n))}${zoomable ? ', Enter to zoom in' : ''}">`);
      if (zoomable && r.w > 30 && r.h > 30) {
        const head = 16;
        parts.push(`<rect class="dirbg" x="${r1(r.x)}" y="${r1(r.y)}" width="${r1(r.w)}" height="${r1(r.h)}"/>`);
        nest(n, { x: r.x + 2, y: r.y + head, w: r.w - 4, h: r.h - head - 2 }, 0, subs, parts);
        parts.push(`<text class="dirlabel" x="${r1(r.x + 4)}" y="${r1(r.y + 12)}">${esc(fit(`${n.name}/ ${fmtBytes(n.bytes)}`, r.w))}</text>`);
      } else {
        parts.push(`<rect x="${r1(r.x)}" y="${r1(r.y)}" width="${r1(r.w)}" height="${r1(r.h)}" fill="${colour(n)}"/>`);
        if (r.w > 40 && r.h > 14) parts.push(`<text x="${r1(r.x + 3)}" y="${r1(r.y + 12)}">${esc(fit(n.name, r.w))}</text>`);
        if (r.w > 40 && r.h > 28) parts.push(`<text x="${r1(r.x + 3)}" y="${r1(r.y + 25)}">${esc(fit(fmtBytes(n.bytes), r.w))}</text>`);
      }
      parts.push(`<rect class="frame" x="${r1(r.x)}" y="${r1(r.y)}" width="${r1(r.w)}" height="${r1(r.h)}"/></g>`);
      shownSubs.push(subs);
    }
    const defs =
      '<defs><pattern id="goslim-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      '<rect width="8" height="8" fill="#b0b4bb"/><rect width="3" height="8" fill="#5b6270"/></pattern></defs>';
    host.innerHTML =
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="group" ` +
      `aria-label="Treemap of ${esc(current.path)}" data-path="${esc(current.path)}" data-tiles="${shown.length}" data-bytes="${current.bytes}">${defs}${parts.join('')}</svg>`;
    renderCrumbs();
    document.body.dataset.rendered = String((Number(document.body.dataset.rendered) || 0) + 1);
  }

  function renderCrumbs() {
    /** @type {TNode[]} */
    const chain = [];
    for (let n = /** @type {TNode | undefined} */ (current); n; n = n.parent) chain.unshift(n);
    crumbs.innerHTML = chain
      .map((n, i) =>
        i === chain.length - 1
          ? `<span class="here" aria-current="location">${esc(n.name)} (${esc(fmtBytes(n.bytes))})</span>`
          : `<button type="button" data-depth="${i}">${esc(n.name)}</button> / `,
      )
      .join('');
  }

  /** @param {TNode} n */
  function describe(n) {
    const rows = [`<strong class="mono">${esc(n.path)}</strong>`, `${esc(fmtBytes(n.bytes))} <span class="muted">(${n.bytes.toLocaleString('en-US')} bytes)</span>`];
    if (n.children && n.kind !== 'file' && !n.bin) rows.push(`${n.files.toLocaleString('en-US')} files`);
    if (n.bin) {
      const keys = data.keys || data.binaryKeys;
      const key = n.children ? String(largest(n.keyBytes) || '') : n.key;
      if (keys[key]) rows.push(`${n.children ? 'mostly ' : ''}${esc(keys[key].title)}`);
      if (n.layer !== undefined) rows.push(`layer ${n.layer}`);
    } else if (data.kind === 'image') {
      const mixed = n.children !== undefined && n.kind !== 'file';
      const key = mixed ? String(largest(n.keyBytes) || '') : n.key;
      const title = key === 'hidden' ? 'hidden in lower layers: pulled and stored, never visible' : data.causes[key] ? data.causes[key].title : key;
      rows.push(`${mixed ? 'mostly ' : ''}cause: ${esc(title)}`);
      if (n.pkg) rows.push(`OS package: ${esc(n.pkg)}`);
      if (n.layer !== undefined) {
        const l = (data.layers || []).find((/** @type {any} */ x) => x.index === n.layer);
        const cb = l && l.createdBy ? String(l.createdBy) : '';
        rows.push(`layer ${n.layer}${cb ? `: <span class="mono">${esc(cb.length > 140 ? `${cb.slice(0, 139)}…` : cb)}</span>` : ''}`);
      }
    }
    if (n.note) rows.push(`<span class="muted">${esc(n.note)}</span>`);
    details.innerHTML = rows.join(' · ');
  }

  /**
   * @param {TNode} n
   * @param {TNode} [focusChild]
   */
  function zoomTo(n, focusChild) {
    current = n;
    render();
    const target = focusChild ? shown.indexOf(focusChild) : 0;
    const el = /** @type {SVGGElement | null} */ (host.querySelector(`g.tile[data-i="${Math.max(0, target)}"]`));
    if (el) el.focus();
  }
  function zoomOut() {
    if (current.parent) zoomTo(current.parent, current);
  }

  /** @param {EventTarget | null} t @returns {{ node: TNode, tile: TNode } | undefined} */
  function hit(t) {
    const el = /** @type {Element | null} */ (t instanceof Element ? t : null);
    if (!el) return undefined;
    const g = el.closest('g.tile');
    if (!g) return undefined;
    const tile = shown[Number(g.getAttribute('data-i'))];
    if (!tile) return undefined;
    const j = el.getAttribute('data-j');
    const sub = j !== null ? (shownSubs[Number(g.getAttribute('data-i'))] || [])[Number(j)] : undefined;
    return { node: sub || tile, tile };
  }

  host.addEventListener('click', (e) => {
    const h = hit(e.target);
    if (h && h.tile.children && h.tile.children.length > 0) zoomTo(h.tile);
  });
  host.addEventListener('mouseover', (e) => {
    const h = hit(e.target);
    if (h) describe(h.node);
  });
  host.addEventListener('focusin', (e) => {
    const h = hit(e.target);
    if (h) describe(h.tile);
  });
  host.addEventListener('keydown', (e) => {
    const h = hit(e.target);
    if (h && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      if (h.tile.children && h.tile.children.length > 0) zoomTo(h.tile);
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && current.parent) {
      e.preventDefault();
      zoomOut();
    }
  });
  crumbs.addEventListener('click', (e) => {
    const b = /** @type {Element} */ (e.target).closest('button[data-depth]');
    if (!b) return;
    let n = current;
    /** @type {TNode[]} */
    const chain = [];
    for (let m = /** @type {TNode | undefined} */ (n); m; m = m.parent) chain.unshift(m);
    const target = chain[Number(b.getAttribute('data-depth'))];
    if (target) zoomTo(target, chain[Number(b.getAttribute('data-depth')) + 1]);
  });
  const zoomOutButton = document.getElementById('zoom-out');
  if (zoomOutButton) zoomOutButton.addEventListener('click', zoomOut);

  for (const b of Array.from(document.querySelectorAll('button[data-colour]'))) {
    b.addEventListener('click', () => {
      colourBy = b.getAttribute('data-colour') || 'cause';
      for (const o of Array.from(document.querySelectorAll('button[data-colour]'))) o.setAttribute('aria-pressed', String(o === b));
      const lc = document.getElementById('legend-cause');
      const ll = document.getElementById('legend-layer');
      if (lc) lc.hidden = colourBy !== 'cause';
      if (ll) ll.hidden = colourBy !== 'layer';
      render();
    });
  }
  for (const b of Array.from(document.querySelectorAll('button.highlight-layer'))) {
    b.addEventListener('click', () => {
      const layer = Number(b.getAttribute('data-layer'));
      highlight = highlight === layer ? null : layer;
      for (const o of Array.from(document.querySelectorAll('button.highlight-layer'))) {
        const on = highlight !== null && Number(o.getAttribute('data-layer')) === highlight;
        o.setAttribute('aria-pressed', String(on));
        o.textContent = on ? 'Show all files' : 'Show its files';
        const row = o.closest('tr');
        if (row) row.classList.toggle('active', on);
      }
      render();
      host.scrollIntoView({ block: 'nearest' });
    });
  }

  let pending = false;
  window.addEventListener('resize', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  });

  render();
  performance.mark('goslim-first-render');
})();
