// @ts-check
/**
 * The HTML report's page script (issue 13), inlined into every report by page-shell.ts.
 * Plain JavaScript, type-checked by tsc (tsconfig.page.json, DOM lib), no dependencies:
 * squarified treemaps drawn as SVG, with zoom (click/Enter), zoom out (breadcrumb/Escape),
 * hover/focus details, colour by cause or layer, and layer highlighting.
 * One page may hold several treemaps (compare: A, B and the change between them); each lives in
 * a `[data-map]` element with its own breadcrumb, details and toolbar, and Escape zooms out the
 * map that has (or last had) the focus.
 * It reads its data from <script type="application/json" id="goslim-data"> and makes no request.
 */
(function () {
  'use strict';

  /**
   * @typedef {{ title: string, color: string }} KeyDoc
   * @typedef {Record<string, KeyDoc>} KeyTable
   * @typedef {{ name: string, path: string, bytes: number, files: number, kind: 'dir' | 'file' | 'small' | 'hidden' | 'leaf',
   *   key: string, pkg?: string, layer?: number, note?: string, children?: TNode[], parent?: TNode,
   *   keyBytes?: Map<string, number>, layerBytes?: Map<number, number>, hidden?: boolean, keys?: KeyTable,
   *   a?: number | null, b?: number | null }} TNode
   * @typedef {{ x: number, y: number, w: number, h: number }} Rect
   * @typedef {{ tree: any, wasted: number, layers?: Array<{ index: number, createdBy: string | null, color: string }>, binaries?: Record<string, any> }} ImageSide
   * @typedef {{ mode: 'image' | 'binary' | 'diff', root: TNode, layers?: ImageSide['layers'], sep: string }} MapModel
   */

  const dataEl = document.getElementById('goslim-data');
  if (!dataEl) return;
  /** @type {any} */
  const data = JSON.parse(dataEl.textContent || '{}');
  /** @type {KeyTable} */
  const causes = data.causes || {};
  /** @type {KeyTable} */
  const binaryKeys = data.binaryKeys || data.keys || {};
  /** @type {KeyTable} */
  const diffKeys = data.diffKeys || {};

  /** @param {number} n */
  function fmtBytes(n) {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let v = n;
    let u = 0;
    while (Math.abs(v) >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    const a = Math.abs(v);
    return u === 0 ? `${n} B` : `${v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2)} ${units[u]}`;
  }
  /** @param {string} s */
  function esc(s) {
    return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
  }

  // ---- the trees ------------------------------------------------------------------------

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
   * A node of a size tree ({ n, b, k, d, t }: a Go binary's sections, modules and packages, or a
   * change tree), coloured from `keys`.
   * @param {any} src
   * @param {string} prefix
   * @param {KeyTable} keys
   * @param {number} [layer]
   * @returns {TNode}
   */
  function sizeNode(src, prefix, keys, layer) {
    const path = `${prefix} / ${src.n}`;
    /** @type {TNode} */
    const n = src.d
      ? { name: src.n, path, bytes: 0, files: 0, kind: 'dir', key: src.k || '', note: src.t || '', keys }
      : { name: src.n, path, bytes: src.b || 0, files: 0, kind: 'leaf', key: src.k || 'section', note: src.t || '', keys };
    if (layer !== undefined) n.layer = layer;
    if (src.d) for (const c of src.d) adopt(n, sizeNode(c, path, keys, layer));
    return n;
  }

  /**
   * A size tree's root as a treemap root.
   * @param {any} src
   * @param {KeyTable} keys
   * @returns {TNode}
   */
  function sizeTree(src, keys) {
    /** @type {TNode} */
    const root = { name: src.n, path: src.n, bytes: 0, files: 0, kind: 'dir', key: '', keys };
    for (const c of src.d || []) adopt(root, sizeNode(c, src.n, keys));
    finish(root);
    return root;
  }

  /**
   * An image's merged filesystem (its file tree, Go binaries' size trees inside their files, and
   * the bytes hidden in lower layers) as a treemap root.
   * @param {ImageSide} side
   * @param {string} name
   * @returns {TNode}
   */
  function imageTree(side, name) {
    const t = side.tree;
    /** @type {TNode} */
    const root = { name, path: '/', bytes: 0, files: 0, kind: 'dir', key: '' };
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
        const exe = side.binaries && side.binaries[n.path];
        if (exe && exe.d) for (const c of exe.d) adopt(n, sizeNode(c, n.path, binaryKeys, f[4]));
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
    if (side.wasted > 0) {
      /** @type {TNode} */
      const hidden = { name: 'hidden in lower layers (wasted)', path: '(hidden in lower layers)', bytes: 0, files: 0, kind: 'dir', key: 'hidden', hidden: true };
      let attributed = 0;
      for (const [layer, bytes] of t.hidden) {
        attributed += bytes;
        adopt(hidden, { name: `written by layer ${layer}, hidden later`, path: `(hidden in lower layers)/layer ${layer}`, bytes, files: 0, kind: 'hidden', key: 'hidden', layer });
      }
      if (side.wasted > attributed) adopt(hidden, { name: 'hidden (no single layer)', path: '(hidden in lower layers)/other', bytes: side.wasted - attributed, files: 0, kind: 'hidden', key: 'hidden' });
      adopt(root, hidden);
    }
    finish(root);
    return root;
  }

  /**
   * The names from the root of each file that holds a Go binary's size tree.
   * @param {TNode} root
   * @returns {Set<string>}
   */
  function binaryFiles(root) {
    /** @type {Set<string>} */
    const out = new Set();
    /**
     * @param {TNode} n
     * @param {string[]} segs
     */
    const walk = (n, segs) => {
      for (const c of n.children || []) {
        if (c.kind === 'file' && c.children) out.add([...segs, c.name].join('\u0000'));
        else if (c.kind === 'dir' && !c.hidden) walk(c, [...segs, c.name]);
      }
    };
    walk(root, []);
    return out;
  }

  /**
   * The leaves two trees are compared by, under their names from the root: files, each
   * directory's small files together, the hidden bytes together, and a size tree's leaves (a Go
   * binary's sections and packages; inside an image only for a file whose size tree both sides
   * have, else the file is one leaf, so the two sides' leaves line up).
   * @param {TNode} root
   * @param {Set<string>} both files to compare down to their size trees
   * @returns {Map<string, { segs: string[], node: TNode, bytes: number }>}
   */
  function diffLeaves(root, both) {
    /** @type {Map<string, { segs: string[], node: TNode, bytes: number }>} */
    const out = new Map();
    /**
     * @param {string[]} segs
     * @param {TNode} node
     * @param {number} bytes
     */
    const put = (segs, node, bytes) => {
      const k = segs.join('\u0000');
      const had = out.get(k);
      if (had) had.bytes += bytes;
      else out.set(k, { segs, node, bytes });
    };
    /**
     * @param {TNode} n
     * @param {string[]} segs
     */
    const walk = (n, segs) => {
      for (const c of n.children || []) {
        const here = [...segs, c.name];
        if (c.kind === 'small') put([...segs, 'small files'], c, c.bytes);
        else if (c.hidden || c.kind === 'hidden') put([c.name], c, c.bytes);
        else if (!c.children || (c.kind === 'file' && !both.has(here.join('\u0000')))) put(here, c, c.bytes);
        else walk(c, here);
      }
    };
    walk(root, []);
    return out;
  }

  /**
   * What changed from `a` to `b`, as a treemap: a "grew" and a "shrank" group, each holding the
   * changed leaves under their directories, area = the bytes each changed by.
   * @param {TNode} a
   * @param {TNode} b
   * @param {string} sep how the map's paths join names ("/" in an image, " / " in a binary)
   * @returns {TNode}
   */
  function diffTree(a, b, sep) {
    const ba = binaryFiles(a);
    const bb = binaryFiles(b);
    const both = new Set([...ba].filter((k) => bb.has(k)));
    const la = diffLeaves(a, both);
    const lb = diffLeaves(b, both);
    /** @type {TNode} */
    const root = { name: 'changes', path: '(changes)', bytes: 0, files: 0, kind: 'dir', key: '' };
    /** @type {Record<string, TNode>} */
    const groups = {};
    for (const g of ['grew', 'shrank']) {
      groups[g] = { name: g, path: `(${g})`, bytes: 0, files: 0, kind: 'dir', key: g, keys: diffKeys };
      adopt(root, groups[g]);
    }
    /** @type {Map<string, TNode>} */
    const dirs = new Map();
    for (const k of new Set([...la.keys(), ...lb.keys()])) {
      const x = la.get(k);
      const y = lb.get(k);
      const before = x ? x.bytes : 0;
      const after = y ? y.bytes : 0;
      if (before === after) continue;
      const segs = (x || y || { segs: [] }).segs;
      const g = after > before ? 'grew' : 'shrank';
      let parent = groups[g];
      for (let i = 0; i < segs.length - 1; i++) {
        const dk = `${g}\u0000${segs.slice(0, i + 1).join('\u0000')}`;
        let d = dirs.get(dk);
        if (!d) {
          d = { name: segs[i], path: `${sep === '/' ? '/' : ''}${segs.slice(0, i + 1).join(sep)}`, bytes: 0, files: 0, kind: 'dir', key: g, keys: diffKeys };
          dirs.set(dk, d);
          adopt(parent, d);
        }
        parent = d;
      }
      const origin = /** @type {TNode} */ ((y || x || { node: undefined }).node);
      /** @type {TNode} */
      const leaf = {
        name: segs[segs.length - 1], path: `${sep === '/' && !origin.hidden && origin.kind !== 'hidden' ? '/' : ''}${segs.join(sep)}`,
        bytes: Math.abs(after - before), files: 1, kind: 'leaf', key: g, keys: diffKeys, a: x ? before : null, b: y ? after : null,
      };
      if (origin.kind === 'file' || origin.kind === 'small') leaf.note = `cause: ${(causes[origin.key] && causes[origin.key].title) || origin.key}${origin.pkg ? `; OS package ${origin.pkg}` : ''}`;
      else if (origin.keys && origin.keys[origin.key]) leaf.note = origin.keys[origin.key].title;
      adopt(parent, leaf);
    }
    finish(root);
    return root;
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

  /** @param {string} key @param {KeyTable} [keys] */
  function keyColour(key, keys) {
    if (key === 'hidden') return 'url(#goslim-hatch)';
    const table = keys || causes;
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

  /** @typedef {{ el: Element, zoomOut: () => void, render: () => void, canZoomOut: () => boolean }} MapHandle */
  /** The maps on the page, and the one Escape zooms out (the last one focused or clicked). */
  /** @type {MapHandle[]} */
  const maps = [];
  /** @type {MapHandle | undefined} */
  let activeMap;

  /**
   * One treemap in its `[data-map]` element: the drawing, its breadcrumb, its details line, its
   * zoom-out button and its colour toggles.
   * @param {Element} el
   * @param {MapModel} model
   */
  function createMap(el, model) {
    const host = /** @type {HTMLElement} */ (el.querySelector('.treemap'));
    const crumbs = /** @type {HTMLElement} */ (el.querySelector('nav.crumbs'));
    const details = /** @type {HTMLElement} */ (el.querySelector('.details'));
    const root = model.root;
    let colourBy = 'cause';
    /** @type {number | null} */
    let highlight = null;
    /** @type {Map<number, string>} */
    const layerColours = new Map((model.layers || []).map((l) => [l.index, l.color]));
    /** @type {TNode} */
    let current = root;
    /** @type {TNode[]} */
    let shown = [];
    /** @type {TNode[][]} */
    let shownSubs = [];

    /** @param {TNode} n */
    function colour(n) {
      if (colourBy === 'layer' && model.mode === 'image') {
        const layer = n.children ? largest(n.layerBytes) : n.layer;
        return layer === undefined ? '#9aa5b1' : layerColours.get(layer) || '#9aa5b1';
      }
      if (n.kind === 'file') return keyColour(n.key);
      return keyColour(n.children ? String(largest(n.keyBytes) || '') : n.key, n.keys);
    }
    /** @param {TNode} n */
    function dimmed(n) {
      if (highlight === null) return false;
      if (n.children) return !(n.layerBytes && n.layerBytes.has(highlight));
      return n.layer !== highlight;
    }

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
        parts.push(
          `<g class="tile${dim}" tabindex="0" role="button" data-i="${idx}" data-kind="${n.kind}" data-key="${esc(n.children ? '' : n.key)}" data-bytes="${n.bytes}" ` +
            `data-area="${Math.round(r.w * r.h)}" aria-label="${esc(label(n))}${zoomable ? ', Enter to zoom in' : ''}">`,
        );
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
      if (model.mode === 'diff') {
        const g = n.children ? String(largest(n.keyBytes) || '') : n.key;
        if (diffKeys[g]) rows[1] = `${esc(g)} by ${rows[1]}`;
        if (n.children && n.files > 0) rows.push(`${n.files.toLocaleString('en-US')} changed`);
        if (n.a !== undefined || n.b !== undefined) {
          rows.push(`A ${n.a === null || n.a === undefined ? 'absent' : esc(fmtBytes(n.a))} -> B ${n.b === null || n.b === undefined ? 'absent' : esc(fmtBytes(n.b))}`);
        }
      } else if (n.keys) {
        const key = n.children ? String(largest(n.keyBytes) || '') : n.key;
        if (n.keys[key]) rows.push(`${n.children ? 'mostly ' : ''}${esc(n.keys[key].title)}`);
        if (n.layer !== undefined) rows.push(`layer ${n.layer}`);
      } else if (model.mode === 'image') {
        if (n.children && n.kind !== 'file') rows.push(`${n.files.toLocaleString('en-US')} files`);
        const mixed = n.children !== undefined && n.kind !== 'file';
        const key = mixed ? String(largest(n.keyBytes) || '') : n.key;
        const title = key === 'hidden' ? 'hidden in lower layers: pulled and stored, never visible' : causes[key] ? causes[key].title : key;
        rows.push(`${mixed ? 'mostly ' : ''}cause: ${esc(title)}`);
        if (n.pkg) rows.push(`OS package: ${esc(n.pkg)}`);
        if (n.layer !== undefined) {
          const l = (model.layers || []).find((x) => x.index === n.layer);
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
      const t = /** @type {SVGGElement | null} */ (host.querySelector(`g.tile[data-i="${Math.max(0, target)}"]`));
      if (t) t.focus();
    }
    function zoomOut() {
      if (current.parent) zoomTo(current.parent, current);
    }

    /** @param {EventTarget | null} t @returns {{ node: TNode, tile: TNode } | undefined} */
    function hit(t) {
      const e = /** @type {Element | null} */ (t instanceof Element ? t : null);
      if (!e) return undefined;
      const g = e.closest('g.tile');
      if (!g) return undefined;
      const tile = shown[Number(g.getAttribute('data-i'))];
      if (!tile) return undefined;
      const j = e.getAttribute('data-j');
      const sub = j !== null ? (shownSubs[Number(g.getAttribute('data-i'))] || [])[Number(j)] : undefined;
      return { node: sub || tile, tile };
    }

    /** @type {MapHandle} */
    const self = { el, zoomOut, render, canZoomOut: () => current.parent !== undefined };
    el.addEventListener('focusin', () => { activeMap = self; });
    el.addEventListener('pointerdown', () => { activeMap = self; });
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
    crumbs.addEventListener('click', (e) => {
      const b = /** @type {Element} */ (e.target).closest('button[data-depth]');
      if (!b) return;
      /** @type {TNode[]} */
      const chain = [];
      for (let m = /** @type {TNode | undefined} */ (current); m; m = m.parent) chain.unshift(m);
      const target = chain[Number(b.getAttribute('data-depth'))];
      if (target) zoomTo(target, chain[Number(b.getAttribute('data-depth')) + 1]);
    });
    const zoomOutButton = el.querySelector('button.zoom-out');
    if (zoomOutButton) zoomOutButton.addEventListener('click', zoomOut);

    const toggles = Array.from(el.querySelectorAll('button[data-colour]'));
    for (const b of toggles) {
      b.addEventListener('click', () => {
        colourBy = b.getAttribute('data-colour') || 'cause';
        for (const o of toggles) o.setAttribute('aria-pressed', String(o === b));
        for (const lg of Array.from(document.querySelectorAll('ul.legend[data-colour-by]'))) {
          /** @type {HTMLElement} */ (lg).hidden = lg.getAttribute('data-colour-by') !== colourBy;
        }
        render();
      });
    }
    maps.push(self);
    return {
      render,
      /** @param {number | null} layer */
      highlightLayer(layer) {
        highlight = layer;
        render();
        host.scrollIntoView({ block: 'nearest' });
      },
    };
  }

  // ---- the page -------------------------------------------------------------------------

  /**
   * The model of one `[data-map]` element, from the page data.
   * @param {string} id
   * @returns {MapModel | undefined}
   */
  function modelOf(id) {
    if (data.kind === 'image' && id === 'main') return { mode: 'image', root: imageTree(data, 'image'), layers: data.layers, sep: '/' };
    if (data.kind === 'binary' && id === 'main') return { mode: 'binary', root: sizeTree(data.root, binaryKeys), sep: ' / ' };
    if (data.kind !== 'compare') return undefined;
    /** @param {any} side @param {string} name @returns {MapModel | undefined} */
    const sideModel = (side, name) => {
      if (!side) return undefined;
      if (side.kind === 'image') return { mode: 'image', root: imageTree(side, name), layers: side.layers, sep: '/' };
      return { mode: 'binary', root: sizeTree({ ...side.root, n: name }, binaryKeys), sep: ' / ' };
    };
    if (id === 'a' || id === 'b') return sideModel(data.sides[id], id.toUpperCase());
    if (id === 'diff') {
      const a = sideModel(data.sides.a, 'A');
      const b = sideModel(data.sides.b, 'B');
      if (a && b) return { mode: 'diff', root: diffTree(a.root, b.root, a.sep), sep: a.sep };
      if (data.changes) return { mode: 'diff', root: sizeTree(data.changes, diffKeys), sep: ' / ' };
    }
    return undefined;
  }

  /** @type {{ highlightLayer: (layer: number | null) => void } | undefined} */
  let mainMap;
  for (const el of Array.from(document.querySelectorAll('[data-map]'))) {
    const model = modelOf(el.getAttribute('data-map') || '');
    if (!model) continue;
    const m = createMap(el, model);
    if (el.getAttribute('data-map') === 'main') mainMap = m;
  }
  if (maps.length === 0) return;

  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    const inMap = maps.find((m) => m.el.contains(document.activeElement));
    const m = inMap || activeMap || maps[0];
    if (m && m.canZoomOut()) {
      e.preventDefault();
      m.zoomOut();
    }
  });

  /** @type {number | null} */
  let highlight = null;
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
      if (mainMap) mainMap.highlightLayer(highlight);
    });
  }

  let pending = false;
  window.addEventListener('resize', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      for (const m of maps) m.render();
    });
  });

  for (const m of maps) m.render();
  performance.mark('goslim-first-render');
})();
