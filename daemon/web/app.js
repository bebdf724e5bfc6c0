/*
 * app.js: the office web application pokjad serves (issue 13, point 4). One page, hash routes,
 * on the JSON API of proto/SPEC.md section 22. No framework, no build step.
 *
 * Every value from the server goes into the page as text (textContent, text nodes, attribute
 * values through setAttribute): never through innerHTML.
 */
'use strict';

const S = { me: null, schema: null, csrf: '' };

/* ---------- small helpers ---------- */

/* h('tag', {attrs}, children...): an element. Strings become text nodes; null is skipped. */
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, kids);
  return el;
}
function add(el, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) add(el, k);
    else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
}
const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}
function main() { return document.getElementById('isi'); }
function show(...kids) {
  const m = main();
  m.replaceChildren();
  add(m, kids);
}
function enc(x) { return encodeURIComponent(x); }
function qs(obj) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const t = p.toString();
  return t ? '?' + t : '';
}
function regionOf(r) { return r.region !== undefined ? r.region : (r.wilayah !== undefined ? r.wilayah : ''); }
function regionText(code) { return code === '' || code === undefined || code === null ? 'nasional' : String(code); }
function recordHref(coll, key, region) { return '#/rekam/' + enc(coll) + '/' + enc(key) + qs({ region: region }); }

const ROLE = {
  operator: 'operator', verifikator: 'verifikator', pimpinan: 'pimpinan', admin: 'admin',
};
function role() { return S.me ? S.me.role : ''; }
function canWrite() { return role() === 'operator' || role() === 'admin'; }
function canVerify() { return role() === 'verifikator' || role() === 'admin'; }
function isAdmin() { return role() === 'admin'; }
function myRegion() { return S.me && S.me.node ? (S.me.node.region || '') : ''; }

/* Collections people write through forms; the rest are written by pokjad or by other pages. */
const SYSTEM = new Set(['kesehatan_node', 'penerimaan', 'pencabutan', 'verifikasi']);
const MAIN_COLLS = ['kegiatan', 'arahan', 'tindak_lanjut', 'dokumen', 'kumuh', 'rapat'];
const COLL_TITLE = {
  pokja: 'Pokja', anggota: 'Anggota', gugus_tugas: 'Gugus tugas', kegiatan: 'Kegiatan',
  indikator: 'Indikator', dokumen: 'Dokumen', kumuh: 'Kawasan kumuh', arahan: 'Arahan',
  tindak_lanjut: 'Tindak lanjut', verifikasi: 'Verifikasi', rapat: 'Rapat',
  pencabutan: 'Pencabutan sertifikat', kesehatan_node: 'Kesehatan node', penerimaan: 'Penerimaan arahan',
};
const FIELD_LABEL = {
  sk_nomor: 'Nomor SK', sk_tanggal: 'Tanggal SK', tahap_ppsp: 'Tahap PPSP', biaya: 'Biaya (Rp)',
  luas_ha: 'Luas (ha)', jumlah_kk: 'Jumlah KK', rplp: 'RPLP', isi: 'Isi arahan',
  wilayah_sasaran: 'Wilayah sasaran', batas_tindak_lanjut: 'Batas tindak lanjut',
  wilayah_arahan: 'Wilayah arahan', wilayah_rekaman: 'Wilayah rekaman', email: 'E-mail',
  diubah_oleh: 'Diubah oleh', diubah: 'Waktu perubahan', key: 'Kunci', region: 'Wilayah', q: 'Cari',
  wilayah: 'Wilayah', name: 'Nama', level: 'Tingkat',
};
function collTitle(c) { return COLL_TITLE[c] || label(c); }
function label(name) {
  if (FIELD_LABEL[name]) return FIELD_LABEL[name];
  const t = String(name).replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
function collSchema(name) {
  return S.schema ? S.schema.collections.find((c) => c.name === name) : null;
}
function fieldOf(coll, name) {
  const c = collSchema(coll);
  return c ? c.fields.find((f) => f.name === name) : null;
}
function isRupiah(f) { return f && (f.type === 'rupiah' || (f.type === 'int' && /rupiah/i.test(f.doc || ''))); }

/* ---------- formatting values for people ---------- */

const BULAN = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus',
  'September', 'Oktober', 'November', 'Desember'];
function fmtNum(n, digits) {
  const x = Number(n);
  if (!isFinite(x)) return String(n);
  return x.toLocaleString('id-ID', { maximumFractionDigits: digits === undefined ? 2 : digits });
}
function fmtRupiah(n) { return 'Rp ' + fmtNum(n, 0); }
function fmtDate(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(v));
  return m ? Number(m[3]) + ' ' + BULAN[Number(m[2]) - 1] + ' ' + m[1] : String(v);
}
/* An ISO time or Unix seconds, in the office's local time. */
function fmtTime(v) {
  if (v === null || v === undefined || v === '' || v === 0) return '-';
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  if (isNaN(d)) return String(v);
  const p = (x) => String(x).padStart(2, '0');
  return d.getDate() + ' ' + BULAN[d.getMonth()] + ' ' + d.getFullYear() + ' ' + p(d.getHours()) + '.' + p(d.getMinutes());
}
function fmtAgo(unix) {
  if (!unix) return 'belum pernah';
  const sec = Math.max(0, Math.round(Date.now() / 1000 - unix));
  if (sec < 90) return sec + ' detik lalu';
  if (sec < 5400) return Math.round(sec / 60) + ' menit lalu';
  if (sec < 129600) return Math.round(sec / 3600) + ' jam lalu';
  return Math.round(sec / 86400) + ' hari lalu';
}
function fmtBytes(b) {
  if (b === null || b === undefined) return 'tidak diketahui';
  if (b >= 1 << 30) return fmtNum(b / (1 << 30), 1) + ' GiB';
  if (b >= 1 << 20) return fmtNum(b / (1 << 20), 1) + ' MiB';
  if (b >= 1024) return fmtNum(b / 1024, 1) + ' KiB';
  return b + ' bita';
}
function fmtAuthor(a) {
  if (a === null || a === undefined) return '-';
  if (typeof a === 'string') return a;
  const n = a.nama || a.name || a.user || '';
  const w = a.wilayah !== undefined ? a.wilayah : a.region;
  return w === undefined ? n : n + ' (' + regionText(w) + ')';
}
function fmtValue(coll, name, v) {
  if (v === null || v === undefined) return '';
  const f = fieldOf(coll, name);
  if (Array.isArray(v)) return v.join('\n');
  if (typeof v === 'boolean') return v ? 'ya' : 'tidak';
  if (typeof v === 'object') return JSON.stringify(v);
  if (f && isRupiah(f)) return fmtRupiah(v);
  if (f && f.type === 'date') return fmtDate(v);
  if (f && f.type === 'region') return v === '' ? 'seluruh Indonesia' : String(v);
  if (f && f.type === 'num') return fmtNum(v, 4);
  return String(v);
}
function todayISO() {
  const d = new Date();
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
}

/* The verification state of a record: "status" as pokjactl prints it (or an older "state"). */
function vstate(r) {
  const v = r && r.verifikasi;
  if (!v) return null;
  return typeof v === 'string' ? v : (v.state || v.status || '');
}
function stateBadge(st) {
  if (!st) return h('span', { class: 'kosong', text: '-' });
  return h('span', { class: 'lencana ' + String(st).replace(/[ _]+/g, '-'), text: String(st).replace(/_/g, ' ') });
}

/* ---------- the API ---------- */

class ApiError extends Error {
  constructor(status, err) {
    super(err.message || ('galat ' + status));
    this.status = status;
    this.err = err;
  }
}

async function api(method, path, body, retried) {
  const headers = { Accept: 'application/json' };
  const opt = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = S.csrf;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  /* A slow office link is normal; a server that says nothing for a minute is not. */
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 60000);
  opt.signal = ctl.signal;
  let res;
  try {
    res = await fetch(path, opt);
  } catch (e) {
    throw new ApiError(0, { tag: 'network', message: e.name === 'AbortError'
      ? 'Server kantor tidak menjawab dalam 60 detik. Coba lagi.'
      : 'Server kantor tidak dapat dihubungi. Periksa jaringan lalu coba lagi.' });
  } finally {
    clearTimeout(timer);
  }
  let j = null;
  try { j = await res.json(); } catch (e) { j = null; }
  if (res.ok) return j || {};
  const err = (j && j.error) || { tag: 'internal', message: 'Server menjawab ' + res.status + '.' };
  if (res.status === 401 && err.tag !== 'login') {
    /* The server's message only for a session that ended; a first visit just asks to log in. */
    const was = S.me !== null;
    S.me = null;
    showLogin(was ? err.message : '');
    throw new ApiError(401, err);
  }
  /* A stale token (the session was renewed in another tab): fetch the current one, retry once. */
  if (res.status === 403 && err.tag === 'csrf' && !retried) {
    const me = await api('GET', '/api/me');
    setMe(me);
    return api(method, path, body, true);
  }
  throw new ApiError(res.status, err);
}

function errorBox(e) {
  const err = e instanceof ApiError ? e.err : { message: String(e && e.message || e) };
  return h('div', { class: 'pesan pesan-galat', role: 'alert', text: err.message || 'Terjadi galat.' });
}

async function loadSchema() {
  if (!S.schema) S.schema = await api('GET', '/api/schema');
  return S.schema;
}

/* ---------- login, header ---------- */

function setMe(me) {
  S.me = me;
  S.csrf = me.csrf || S.csrf;
}

function showLogin(message) {
  document.getElementById('kepala').hidden = true;
  const err = h('div', { id: 'masuk-pesan', role: 'alert' });
  const user = h('input', { id: 'masuk-user', name: 'user', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'masuk-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const btn = h('button', { id: 'masuk-kirim', type: 'submit', class: 'utama', text: 'Masuk' });
  if (message) {
    err.className = 'pesan';
    err.textContent = message;
  }
  const form = h('form', { id: 'masuk', class: 'kartu', onsubmit: async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    err.className = '';
    err.textContent = '';
    try {
      const r = await api('POST', '/api/login', { user: user.value, password: pass.value });
      S.csrf = r.csrf;
      setMe(await api('GET', '/api/me'));
      pass.value = '';
      await start();
      btn.disabled = false;
    } catch (e) {
      err.className = 'pesan pesan-galat';
      err.textContent = e.message;
      if (e.status === 429) {
        let left = Number(e.err.retry_after) || 0;
        const tick = () => {
          if (left <= 0) { btn.disabled = false; btn.textContent = 'Masuk'; return; }
          btn.textContent = 'Tunggu ' + left + ' detik';
          left--;
          setTimeout(tick, 1000);
        };
        tick();
      } else {
        btn.disabled = false;
        pass.select();
      }
    }
  } },
  h('h1', { text: 'Masuk' }),
  h('p', { class: 'bantuan', text: 'Aplikasi sekretariat Pokja. Masuk dengan nama pengguna dan kata sandi dari admin kantor.' }),
  h('div', { class: 'kolom' }, h('label', { for: 'masuk-user', text: 'Nama pengguna' }), user),
  h('div', { class: 'kolom' }, h('label', { for: 'masuk-password', text: 'Kata sandi' }), pass),
  err,
  h('div', { class: 'aksi' }, btn));
  show(form);
  user.focus();
}

function renderHeader() {
  const k = document.getElementById('kepala');
  k.hidden = false;
  const node = S.me.node || {};
  const t = document.getElementById('judul-aplikasi');
  t.textContent = 'Pokja ' + (node.name || regionText(node.region));
  document.title = t.textContent;
  document.getElementById('nama-pengguna').textContent = S.me.user + ' (' + (ROLE[S.me.role] || S.me.role) + ')';
  const nav = document.getElementById('navigasi');
  nav.replaceChildren();
  const link = (href, text) => h('a', { href, text, 'data-rute': href });
  add(nav, [link('#/beranda', 'Beranda')]);
  for (const c of MAIN_COLLS) if (collSchema(c)) add(nav, [link('#/daftar/' + c, collTitle(c))]);
  if (canVerify()) add(nav, [link('#/verifikasi', 'Verifikasi')]);
  if (isAdmin()) add(nav, [link('#/node', 'Node')]);
  const others = S.schema.collections.map((c) => c.name).filter((c) => !MAIN_COLLS.includes(c));
  const sel = h('select', { 'aria-label': 'Koleksi lain', onchange: () => { if (sel.value) location.hash = '#/daftar/' + sel.value; sel.value = ''; } },
    h('option', { value: '', text: 'Koleksi lain…' }),
    others.map((c) => h('option', { value: c, text: collTitle(c) })));
  add(nav, [sel]);
}

function markNav() {
  const here = location.hash.split('?')[0];
  for (const a of document.querySelectorAll('#navigasi a')) {
    const r = a.getAttribute('data-rute');
    if (here === r || (r !== '#/beranda' && here.startsWith(r + '/'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

document.getElementById('keluar').addEventListener('click', async () => {
  try { await api('POST', '/api/logout', {}); } catch (e) { /* the session is gone either way */ }
  S.me = null;
  S.csrf = '';
  showLogin('Anda telah keluar.');
});

/* ---------- routing ---------- */

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), q: new URLSearchParams(query || '') };
}

let routeSeq = 0;
async function route() {
  if (!S.me) return;
  const seq = ++routeSeq;
  const { parts, q } = parseHash();
  markNav();
  const m = main();
  m.setAttribute('aria-busy', 'true');
  try {
    const [page, coll, key] = parts;
    if (coll && !collSchema(coll)) throw new ApiError(404, { message: 'Koleksi "' + coll + '" tidak dikenal.' });
    let view;
    if (!page || page === 'beranda') view = await pageBeranda();
    else if (page === 'daftar' && coll) view = await pageDaftar(coll, q);
    else if (page === 'rekam' && coll && key) view = await pageRekam(coll, key, q.get('region'));
    else if (page === 'baru' && coll) view = await pageForm(coll, null, q);
    else if (page === 'ubah' && coll && key) view = await pageForm(coll, key, q);
    else if (page === 'verifikasi') view = await pageVerifikasi();
    else if (page === 'node') view = await pageNode();
    else view = [h('h1', { text: 'Halaman tidak ditemukan' }), h('p', {}, h('a', { href: '#/beranda', text: 'Kembali ke beranda' }))];
    if (seq === routeSeq) show(view);
  } catch (e) {
    if (e.status === 401) return; /* the login form is shown */
    if (seq === routeSeq) show(h('h1', { text: 'Tidak dapat ditampilkan' }), errorBox(e));
  } finally {
    m.removeAttribute('aria-busy');
  }
}
window.addEventListener('hashchange', route);

async function start() {
  await loadSchema();
  renderHeader();
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.replace('#/beranda');
  await route();
}

async function boot() {
  try {
    setMe(await api('GET', '/api/me'));
  } catch (e) {
    if (e.status !== 401) show(h('h1', { text: 'Aplikasi tidak dapat dimuat' }), errorBox(e));
    return;
  }
  try {
    await start();
  } catch (e) {
    if (e.status !== 401) show(h('h1', { text: 'Aplikasi tidak dapat dimuat' }), errorBox(e));
  }
}

/* ---------- beranda ---------- */

/* A horizontal bar chart of {label: number} as inline SVG: each label above its bar. */
function barChart(title, data, fmt) {
  const rows = Object.entries(data || {}).filter(([, v]) => typeof v === 'number');
  const box = h('figure', { class: 'grafik' });
  if (!rows.length) return add(box, [h('p', { class: 'kosong', text: 'Belum ada data.' })]);
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const W = 360, VW = 120, LH = 16, BH = 18, GAP = 10, ROW = LH + BH + GAP;
  const svg = s('svg', { viewBox: '0 0 ' + W + ' ' + (rows.length * ROW), role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  rows.forEach(([k, v], i) => {
    const y = i * ROW;
    const w = Math.max(v > 0 ? 2 : 0, (W - VW) * v / max);
    svg.append(s('text', { x: 0, y: y + 12 }, k === '' ? '(tanpa keterangan)' : k));
    const bar = s('rect', { class: 'batang', x: 0, y: y + LH, width: w, height: BH, rx: 2 });
    bar.append(s('title', {}, k + ': ' + fmt(v)));
    svg.append(bar);
    svg.append(s('text', { x: w + 6, y: y + LH + 13 }, fmt(v)));
  });
  box.append(svg);
  return box;
}

function peersTable(peers) {
  if (!peers || !peers.length) return h('p', { class: 'kosong', text: 'Belum ada induk atau anak yang terdaftar.' });
  return h('table', {},
    h('thead', {}, h('tr', {}, ['Peran', 'Wilayah', 'Nama', 'Sambungan', 'Tertinggal naik', 'Tertinggal turun', 'Kontak terakhir']
      .map((t, i) => h('th', { class: i >= 4 && i <= 5 ? 'angka' : null, text: t })))),
    h('tbody', {}, peers.map((p) => h('tr', {},
      h('td', { text: p.role === 'parent' || p.role === 'induk' ? 'induk' : (p.role === 'child' || p.role === 'anak' ? 'anak' : String(p.role || '')) }),
      h('td', { text: regionText(p.region) }),
      h('td', { text: p.name || '' }),
      h('td', { class: p.connected ? 'baik' : 'terlambat', text: p.connected ? 'terhubung' : 'tidak terhubung' }),
      h('td', { class: 'angka', text: fmtNum(p.lag_up || 0, 0) }),
      h('td', { class: 'angka', text: fmtNum(p.lag_down || 0, 0) }),
      h('td', { text: typeof p.last_contact === 'number' ? fmtAgo(p.last_contact) : fmtTime(p.last_contact) })))));
}

async function pageBeranda() {
  const b = await api('GET', '/api/beranda');
  const today = todayISO();
  const due = b.arahan_due || [];
  const arahan = due.length ? h('table', {},
    h('thead', {}, h('tr', {}, ['Arahan', 'Dari', 'Batas tindak lanjut', ''].map((t) => h('th', { text: t })))),
    h('tbody', {}, due.map((a) => {
      // The server sends the arahan as stored (batas_tindak_lanjut, wilayah), or the short
      // names (batas, region): either shows.
      const batas = a.batas !== undefined ? a.batas : a.batas_tindak_lanjut;
      const reg = regionOf(a);
      const late = batas && batas < today;
      return h('tr', { 'data-arahan': a.key, class: late ? 'terlambat' : null },
        h('td', {}, h('a', { href: recordHref('arahan', a.key, reg), text: a.judul || a.key })),
        h('td', { text: regionText(reg) }),
        h('td', { class: 'batas' }, batas ? fmtDate(batas) : 'tanpa batas', late ? ' (terlambat)' : (batas === today ? ' (hari ini)' : '')),
        h('td', {}, canWrite() ? h('a', { class: 'tombol', href: '#/baru/tindak_lanjut' + qs({ arahan: a.key, wilayah_arahan: reg }), text: 'Tindak lanjut' }) : null));
    }))) : h('p', { class: 'kosong', text: 'Tidak ada arahan yang menunggu tindak lanjut.' });
  const waiting = Number(b.verifikasi_waiting || 0);
  return [
    h('h1', { text: 'Beranda' }),
    h('div', { class: 'kisi' },
      h('section', { class: 'kartu' }, h('h2', { text: 'Kegiatan menurut status' }), barChart('Kegiatan menurut status', b.kegiatan_by_status, (v) => fmtNum(v, 0))),
      h('section', { class: 'kartu' }, h('h2', { text: 'Anggaran menurut sumber dana' }), barChart('Anggaran menurut sumber dana', b.anggaran_by_sumber, fmtRupiah)),
      h('section', { class: 'kartu' }, h('h2', { text: 'Luas kawasan kumuh menurut tahun' }), barChart('Luas kawasan kumuh (ha) menurut tahun', b.kumuh_by_tahun, (v) => fmtNum(v, 2) + ' ha')),
      h('section', { class: 'kartu', id: 'menunggu-verifikasi' }, h('h2', { text: 'Menunggu verifikasi' }),
        h('p', { class: 'angka-besar', text: fmtNum(waiting, 0) }),
        h('p', {}, waiting === 0 ? 'Tidak ada rekaman yang menunggu keputusan kantor ini.' : 'rekaman menunggu keputusan kantor ini. ',
          waiting > 0 && canVerify() ? h('a', { href: '#/verifikasi', text: 'Buka antrean verifikasi' }) : null))),
    h('section', { id: 'arahan-menunggu' }, h('h2', { text: 'Arahan yang menunggu tindak lanjut' }), arahan),
    h('section', { id: 'kesehatan' }, h('h2', { text: 'Kesehatan replikasi' }), peersTable(b.peers)),
  ];
}

/* ---------- daftar ---------- */

/* The columns of a list: the fields people look for first, else the first few short ones. */
const LIST_COLS = {
  kegiatan: ['nama', 'tahun', 'status', 'biaya', 'sumber_biaya'],
  arahan: ['judul', 'wilayah_sasaran', 'batas_tindak_lanjut'],
  tindak_lanjut: ['arahan', 'status', 'tanggal'],
  dokumen: ['jenis', 'judul', 'tahun', 'status'],
  kumuh: ['tahun', 'luas_ha', 'jumlah_kk', 'lembaga'],
  rapat: ['judul', 'tanggal', 'tempat'],
  anggota: ['nama', 'instansi', 'tim', 'jabatan'],
  verifikasi: ['koleksi', 'kunci', 'wilayah_rekaman', 'hasil'],
  kesehatan_node: ['versi', 'waktu', 'lag_naik', 'lag_turun'],
};
function listColumns(c) {
  const pick = (LIST_COLS[c.name] || []).map((n) => c.fields.find((f) => f.name === n)).filter(Boolean);
  if (pick.length) return pick;
  const f = c.fields.filter((x) => x.type !== 'text' && x.type !== 'strlist');
  const cols = f.filter((x) => x.required).concat(f.filter((x) => !x.required)).slice(0, 4);
  return c.fields.filter((x) => cols.includes(x));
}

async function pageDaftar(coll, q) {
  const c = collSchema(coll);
  const filt = {};
  for (const k of ['q', 'region', 'tahun', 'status']) if (q.get(k)) filt[k] = q.get(k);
  const page = Math.max(1, parseInt(q.get('page'), 10) || 1);
  const perPage = parseInt(q.get('per_page'), 10) || 50;
  const r = await api('GET', '/api/records/' + enc(coll) + qs(Object.assign({}, filt, { page, per_page: perPage })));
  const items = r.items || [];
  const total = Number(r.total || 0);
  const pages = Math.max(1, Math.ceil(total / (r.per_page || perPage)));
  const cols = listColumns(c);
  const statusF = c.fields.find((x) => x.name === 'status');
  const hasTahun = c.fields.some((x) => x.name === 'tahun');
  const verifiable = items.some((x) => x.verifikasi);

  const inp = (name, text, extra) => h('label', {}, text, h('input', Object.assign({ name, value: filt[name] || '' }, extra)));
  const status = statusF ? (statusF.choices ? h('label', {}, 'Status', h('select', { name: 'status' },
    h('option', { value: '', text: 'semua' }),
    statusF.choices.map((ch) => h('option', { value: ch, text: ch, selected: filt.status === ch })))) : inp('status', 'Status')) : null;
  const per = h('label', {}, 'Per halaman', h('select', { name: 'per_page' }, [20, 50, 100, 200].map((n) => h('option', { value: n, text: n, selected: n === perPage }))));
  const form = h('form', { class: 'saring', role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    const o = {};
    for (const el of form.elements) if (el.name && el.value) o[el.name] = el.value.trim();
    location.hash = '#/daftar/' + coll + qs(o);
  } },
  inp('q', 'Cari', { type: 'search', placeholder: 'kata yang dicari' }),
  inp('region', 'Wilayah', { size: 10, placeholder: 'mis. 32.75' }),
  hasTahun ? inp('tahun', 'Tahun', { size: 6, inputmode: 'numeric' }) : null,
  status, per,
  h('button', { type: 'submit', text: 'Tampilkan' }),
  Object.keys(filt).length ? h('a', { href: '#/daftar/' + coll, text: 'Hapus saringan' }) : null);

  const exp = (fmt) => h('a', { class: 'tombol', href: '/api/export/' + enc(coll) + qs(Object.assign({}, filt, { format: fmt })), download: true, text: 'Ekspor ' + fmt.toUpperCase() });
  const actions = h('div', { class: 'aksi' },
    canWrite() && !SYSTEM.has(coll) ? h('a', { class: 'tombol utama', id: 'rekam-baru', href: '#/baru/' + coll, text: 'Rekam baru' }) : null,
    exp('xlsx'), exp('csv'),
    h('button', { type: 'button', onclick: () => window.print(), text: 'Cetak' }),
    ['kegiatan', 'arahan', 'kumuh'].includes(coll)
      ? h('a', { class: 'tombol', id: 'rekap', target: '_blank', rel: 'noopener', href: '/api/rekap/' + coll + qs(filt.region ? { region: filt.region } : {}), text: 'Rekap untuk dicetak' })
      : null);

  const table = items.length ? h('table', { id: 'daftar' },
    h('thead', {}, h('tr', {},
      h('th', { text: 'Kunci' }), h('th', { text: 'Wilayah' }),
      cols.map((f) => h('th', { class: f.type === 'int' || f.type === 'num' ? 'angka' : null, text: label(f.name) })),
      verifiable ? h('th', { text: 'Verifikasi' }) : null,
      h('th', { text: 'Diubah' }))),
    h('tbody', {}, items.map((x) => h('tr', { 'data-key': x.key, 'data-region': regionOf(x) },
      h('td', {}, h('a', { href: recordHref(coll, x.key, regionOf(x)), text: x.key })),
      h('td', { text: regionText(regionOf(x)) }),
      cols.map((f) => h('td', { class: f.type === 'int' || f.type === 'num' ? 'angka' : null, text: fmtValue(coll, f.name, x[f.name]) })),
      verifiable ? h('td', {}, stateBadge(vstate(x))) : null,
      h('td', { text: fmtTime(x.diubah) })))))
    : h('p', { class: 'kosong', text: Object.keys(filt).length ? 'Tidak ada rekaman yang cocok dengan saringan.' : 'Belum ada rekaman.' });

  const nav = (p, text) => h('a', { href: '#/daftar/' + coll + qs(Object.assign({}, filt, { page: p, per_page: perPage })), text });
  const paging = h('div', { class: 'halaman' },
    page > 1 ? nav(page - 1, '‹ Sebelumnya') : null,
    h('span', { text: 'Halaman ' + page + ' dari ' + pages + ' (' + fmtNum(total, 0) + ' rekaman)' }),
    page < pages ? nav(page + 1, 'Berikutnya ›') : null);
  const printed = h('p', { class: 'hanya-cetak', text: 'Dicetak ' + fmtTime(new Date().toISOString()) + ' oleh ' + S.me.user +
    (Object.keys(filt).length ? '; saringan: ' + Object.entries(filt).map(([k, v]) => label(k) + ' ' + v).join(', ') : '') +
    '; halaman ' + page + ' dari ' + pages + ' (' + fmtNum(total, 0) + ' rekaman).' });
  return [h('h1', { text: 'Daftar ' + collTitle(coll) }), h('p', { class: 'bantuan', text: c.doc || '' }), printed, form, actions, table, paging];
}

/* ---------- form: new and edit ---------- */

function fieldInput(f, value) {
  const id = 'kolom-' + f.name;
  const common = { id, name: f.name, 'aria-describedby': 'bantuan-' + f.name, required: f.required || null };
  if (f.type === 'enum' && f.choices) {
    return h('select', common, h('option', { value: '', text: '— pilih —' }),
      f.choices.map((ch) => h('option', { value: ch, text: ch, selected: value === ch })));
  }
  if (f.type === 'bool') {
    return h('select', common, h('option', { value: '', text: '— pilih —' }),
      h('option', { value: 'true', text: 'ya', selected: value === 'true' }),
      h('option', { value: 'false', text: 'tidak', selected: value === 'false' }));
  }
  if (f.type === 'text' || f.type === 'strlist') {
    const t = h('textarea', Object.assign({ rows: f.type === 'text' ? 4 : 3 }, common));
    t.value = value;
    return t;
  }
  const extra = {};
  if (isRupiah(f)) extra.placeholder = 'mis. Rp 15.000.000';
  else if (f.type === 'date') extra.placeholder = 'mis. 17 Agustus 2026';
  else if (f.type === 'region') extra.placeholder = 'kode wilayah, mis. 32.75';
  else if (f.type === 'int' || f.type === 'num') extra.inputmode = 'decimal';
  const i = h('input', Object.assign({ type: 'text', autocomplete: 'off' }, common, extra));
  i.value = value;
  return i;
}

/* A stored value as the text of its input, for the edit form. */
function inputText(f, v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join('\n');
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (isRupiah(f)) return fmtRupiah(v);
  if (f.type === 'date') return fmtDate(v);
  return String(v);
}

/* An input's text as the JSON value sent: people's text as typed (the server normalises it). */
function sendValue(f, text) {
  if (f.type === 'bool') return text === 'true';
  if (f.type === 'strlist') return text.split('\n').map((x) => x.trim()).filter(Boolean);
  return text;
}

function clearErrors(form) {
  for (const el of form.querySelectorAll('.galat')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/* Shows a 422's messages: each at its field, the general one (and any without a field) on top. */
function showErrors(form, top, e) {
  clearErrors(form);
  const err = e instanceof ApiError ? e.err : { message: String(e.message || e) };
  const loose = [];
  let first = null;
  for (const [name, msg] of Object.entries(err.fields || {})) {
    const el = form.elements.namedItem(name);
    if (!el || !el.setAttribute) { loose.push(label(name) + ': ' + msg); continue; }
    el.setAttribute('aria-invalid', 'true');
    const p = h('p', { class: 'galat', id: 'galat-' + name, text: String(msg) });
    el.after(p);
    el.setAttribute('aria-describedby', 'galat-' + name + ' bantuan-' + name);
    if (!first) first = el;
  }
  top.replaceChildren();
  top.className = 'pesan pesan-galat';
  add(top, [h('strong', { text: err.message || 'Rekaman belum dapat disimpan.' }),
    loose.length ? h('ul', {}, loose.map((t) => h('li', { text: t }))) : null]);
  /* The first field in error takes the focus (and scrolls into view); else the message does. */
  if (first) first.focus();
  else { top.focus(); top.scrollIntoView({ block: 'center' }); }
}

async function pageForm(coll, key, q) {
  const c = collSchema(coll);
  const region = q.get('region');
  let rec = null;
  if (key) rec = await api('GET', '/api/records/' + enc(coll) + '/' + enc(key) + qs({ region }));
  const initial = {};
  const fields = c.fields;
  const top = h('div', { id: 'pesan-form', role: 'alert', tabindex: '-1' });
  const rows = fields.map((f) => {
    /* A new record's fields may come filled from the address (e.g. ?arahan=KEY). */
    const text = rec ? inputText(f, rec[f.name]) : (q.get(f.name) || '');
    initial[f.name] = text;
    return h('div', { class: 'kolom' },
      h('label', { for: 'kolom-' + f.name }, label(f.name), f.required ? h('span', { class: 'wajib', title: 'wajib diisi', text: ' *' }) : null),
      f.doc ? h('span', { class: 'bantuan', id: 'bantuan-' + f.name, text: f.doc + (f.choices && f.type !== 'enum' ? ' (' + f.choices.join(', ') + ')' : '') }) : null,
      fieldInput(f, text));
  });
  const keyInput = key ? null : h('details', { class: 'kolom' }, h('summary', { text: 'Lanjutan' }),
    h('label', { for: 'kolom-key', text: 'Kunci rekaman' }),
    h('span', { class: 'bantuan', id: 'bantuan-key', text: 'Kosongkan: kuncinya dibuatkan. Huruf, angka dan . _ : - saja.' }),
    h('input', { id: 'kolom-key', name: 'key', 'aria-describedby': 'bantuan-key', autocomplete: 'off', value: q.get('key') || '' }));
  const save = h('button', { type: 'submit', id: 'simpan', class: 'utama', text: 'Simpan' });
  const back = key ? recordHref(coll, key, region !== null ? region : regionOf(rec)) : '#/daftar/' + coll;
  const form = h('form', { id: 'form-rekam', novalidate: true, 'data-collection': coll, onsubmit: async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    try {
      if (!key) {
        const body = {};
        for (const f of fields) {
          const t = form.elements.namedItem(f.name).value;
          if (t.trim() !== '') body[f.name] = sendValue(f, t);
        }
        const k = form.elements.namedItem('key').value.trim();
        if (k) body.key = k;
        const r = await api('POST', '/api/records/' + enc(coll), body);
        location.hash = recordHref(coll, r.key, r.region);
      } else {
        const set = {}, unset = [];
        for (const f of fields) {
          const t = form.elements.namedItem(f.name).value;
          if (t === initial[f.name]) continue;
          if (t.trim() === '') { if (initial[f.name] !== '') unset.push(f.name); } else set[f.name] = sendValue(f, t);
        }
        if (!Object.keys(set).length && !unset.length) {
          location.hash = back;
          return;
        }
        const r = await api('PATCH', '/api/records/' + enc(coll) + '/' + enc(key), { set, unset });
        location.hash = recordHref(coll, r.key || key, regionOf(rec));
      }
    } catch (e) {
      if (e.status === 401) return;
      showErrors(form, top, e);
      save.disabled = false;
    }
  } },
  top, rows, keyInput,
  h('div', { class: 'aksi' }, save, h('a', { href: back, text: 'Batal' })),
  h('p', { class: 'bantuan' }, h('span', { class: 'wajib', text: '*' }), ' wajib diisi. Rupiah dan tanggal boleh ditulis seperti biasa (Rp 15.000.000; 17 Agustus 2026).'));
  const title = key ? 'Ubah ' + collTitle(coll) + ' ' + key : 'Rekam ' + collTitle(coll) + ' baru';
  return [h('h1', { text: title }), c.doc ? h('p', { class: 'bantuan', text: c.doc }) : null, form];
}

/* ---------- record page ---------- */

function followupTable(list) {
  return h('table', { id: 'tindak-lanjut-sasaran' },
    h('thead', {}, h('tr', {}, ['Wilayah', 'Diterima', 'Tindak lanjut', 'Status', 'Keadaan'].map((t) => h('th', { text: t })))),
    h('tbody', {}, list.map((t) => {
      const reg = t.wilayah !== undefined ? t.wilayah : t.region;
      const tl = t.kunci || t.tindak_lanjut || t.key || '';
      const late = /terlambat|lewat/.test(String(t.keadaan || t.due || ''));
      return h('tr', { 'data-region': reg, class: late ? 'terlambat' : null },
        h('td', { text: regionText(reg) + (t.nama_wilayah ? ' ' + t.nama_wilayah : '') }),
        h('td', { text: t.diterima ? fmtTime(t.diterima) : 'belum' }),
        h('td', {}, tl ? h('a', { href: recordHref('tindak_lanjut', tl, reg), text: tl }) : 'belum ada'),
        h('td', { text: t.status || '-' }),
        h('td', { text: t.keadaan || t.due || '' }));
    })));
}

async function pageRekam(coll, key, region) {
  const c = collSchema(coll);
  const r = await api('GET', '/api/records/' + enc(coll) + '/' + enc(key) + qs({ region }));
  const reg = regionOf(r);
  const dl = h('dl', { class: 'rincian' },
    h('dt', { text: 'Kunci' }), h('dd', { text: r.key }),
    h('dt', { text: 'Wilayah' }), h('dd', { text: regionText(reg) }),
    c.fields.map((f) => {
      const v = r[f.name];
      let dd;
      if (v === undefined || v === null || (v === '' && f.type !== 'region')) dd = h('dd', { class: 'kosong', text: '-' });
      else if (f.type === 'ref' && coll === 'tindak_lanjut' && f.name === 'arahan') dd = h('dd', {}, h('a', { href: recordHref('arahan', v, r.wilayah_arahan), text: v }));
      else if (f.type === 'ref' && coll === 'verifikasi' && f.name === 'kunci') dd = h('dd', {}, h('a', { href: recordHref(r.koleksi, v, r.wilayah_rekaman), text: v }));
      else dd = h('dd', { text: fmtValue(coll, f.name, v) });
      return [h('dt', {}, label(f.name)), dd];
    }),
    h('dt', { text: 'Diubah oleh' }), h('dd', { id: 'diubah-oleh', text: fmtAuthor(r.diubah_oleh) }),
    h('dt', { text: 'Waktu perubahan' }), h('dd', { text: fmtTime(r.diubah) }));

  let verif = null;
  if (r.verifikasi) {
    const v = r.verifikasi;
    verif = h('section', { id: 'verifikasi-rekaman' }, h('h2', { text: 'Verifikasi' }),
      h('p', {}, 'Status: ', h('span', { id: 'status-verifikasi' }, stateBadge(vstate(r)))),
      v.catatan ? h('p', {}, 'Catatan: ', h('span', { id: 'catatan-verifikasi', text: v.catatan })) : null,
      v.oleh ? h('p', { text: 'Oleh ' + fmtAuthor(v.oleh) + (v.waktu ? ', ' + fmtTime(v.waktu) : '') }) : null);
  }

  const mine = reg === myRegion();
  const actions = h('div', { class: 'aksi' },
    canWrite() && mine && !SYSTEM.has(coll) ? h('a', { class: 'tombol', id: 'ubah', href: '#/ubah/' + enc(coll) + '/' + enc(key) + qs({ region: reg }), text: 'Ubah' }) : null,
    canWrite() && mine && !SYSTEM.has(coll) ? h('button', { type: 'button', id: 'hapus', class: 'bahaya', text: 'Hapus', onclick: async (ev) => {
      if (!window.confirm('Hapus ' + collTitle(coll) + ' ' + key + '? Rekaman yang dihapus tetap tercatat dalam riwayat.')) return;
      ev.target.disabled = true;
      try {
        await api('DELETE', '/api/records/' + enc(coll) + '/' + enc(key));
        location.hash = '#/daftar/' + coll;
      } catch (e) {
        ev.target.disabled = false;
        if (e.status !== 401) main().prepend(errorBox(e));
      }
    } }) : null,
    coll === 'arahan' && canWrite() ? h('a', { class: 'tombol utama', id: 'tindak-lanjut', href: '#/baru/tindak_lanjut' + qs({ arahan: key, wilayah_arahan: reg }), text: 'Tindak lanjut' }) : null,
    h('a', { href: '#/daftar/' + coll, text: 'Kembali ke daftar' }));

  let follow = null;
  const fl = coll === 'arahan' ? (r.tindak_lanjut || r.sasaran || null) : null;
  if (Array.isArray(fl)) follow = h('section', {}, h('h2', { text: 'Tindak lanjut per wilayah sasaran' }), fl.length ? followupTable(fl) : h('p', { class: 'kosong', text: 'Belum ada wilayah sasaran yang menindaklanjuti.' }));

  const hist = r.history || [];
  const history = h('section', { id: 'riwayat' }, h('h2', { text: 'Riwayat' }), hist.length ? h('table', {},
    h('thead', {}, h('tr', {}, ['Versi', 'Oleh', 'Waktu', 'Yang diubah'].map((t) => h('th', { text: t })))),
    h('tbody', {}, hist.map((x) => h('tr', {},
      h('td', { class: 'angka', text: x.version }),
      h('td', { text: fmtAuthor(x.diubah_oleh || x.author) + (x.pengguna ? ', oleh ' + x.pengguna.pengguna + (x.pengguna.nama_pengguna ? ' (' + x.pengguna.nama_pengguna + ')' : '') : '') }),
      h('td', { text: fmtTime(x.diubah || x.time) }),
      h('td', { text: x.deleted ? 'dihapus' : (x.changes || []).map((c) => c.field).concat(x.changed || []).map(label).join(', ') })))))
    : h('p', { class: 'kosong', text: 'Riwayat tidak tersedia.' }));

  const title = r.nama || r.judul || key;
  return [h('h1', { text: collTitle(coll) + ': ' + title }), actions, dl, verif, follow, history];
}

/* ---------- verification queue ---------- */

function summary(x) {
  const c = collSchema(x.collection);
  if (!c) return '';
  return listColumns(c).filter((f) => x[f.name] !== undefined && x[f.name] !== null && x[f.name] !== '')
    .map((f) => fmtValue(x.collection, f.name, x[f.name])).join(' · ');
}

async function pageVerifikasi() {
  const r = await api('GET', '/api/verifikasi');
  const items = r.items || [];
  const note = h('div', { id: 'pesan-verifikasi', role: 'status' });
  const body = h('tbody', {});
  for (const x of items) {
    const coll = x.collection;
    const reg = regionOf(x);
    const cat = h('textarea', { class: 'antrean-catatan', name: 'catatan', rows: 2, placeholder: 'Catatan untuk kantor pengirim (wajib untuk Perlu perbaikan)', 'aria-label': 'Catatan' });
    const msg = h('div', {});
    const row = h('tr', { 'data-key': x.key, 'data-region': reg, 'data-collection': coll });
    const decide = async (verdict) => {
      msg.replaceChildren();
      if (verdict === 'perlu_perbaikan' && !cat.value.trim()) {
        cat.setAttribute('aria-invalid', 'true');
        msg.append(h('p', { class: 'galat', text: 'Tulis catatan: apa yang perlu diperbaiki.' }));
        cat.focus();
        return;
      }
      if (verdict === 'ditolak' && !window.confirm('Tolak ' + collTitle(coll) + ' ' + x.key + '?')) return;
      for (const b of row.querySelectorAll('button')) b.disabled = true;
      try {
        await api('POST', '/api/verifikasi', { collection: coll, key: x.key, region: reg, verdict, catatan: cat.value.trim() });
        row.remove();
        note.className = 'pesan';
        note.textContent = 'Keputusan untuk ' + collTitle(coll) + ' ' + x.key + ' disimpan: ' + verdict.replace('_', ' ') + '.';
        if (!body.children.length) body.closest('table').replaceWith(h('p', { class: 'kosong', text: 'Antrean kosong.' }));
      } catch (e) {
        for (const b of row.querySelectorAll('button')) b.disabled = false;
        if (e.status !== 401) msg.append(errorBox(e));
      }
    };
    add(row, [
      h('td', { text: collTitle(coll) }),
      h('td', {}, h('a', { href: recordHref(coll, x.key, reg), text: x.key }), h('div', { class: 'bantuan', text: summary(x) })),
      h('td', { text: regionText(reg) }),
      h('td', { text: fmtAuthor(x.diubah_oleh) + ', ' + fmtTime(x.diubah) }),
      h('td', {}, stateBadge(vstate(x))),
      h('td', { class: 'tidak-dicetak keputusan' },
        h('div', { class: 'aksi' },
          h('button', { type: 'button', class: 'utama', 'data-verdict': 'disetujui', text: 'Setujui', onclick: () => decide('disetujui') }),
          h('button', { type: 'button', 'data-verdict': 'perlu_perbaikan', text: 'Perlu perbaikan', onclick: () => decide('perlu_perbaikan') }),
          h('button', { type: 'button', class: 'bahaya', 'data-verdict': 'ditolak', text: 'Tolak', onclick: () => decide('ditolak') })),
        cat, msg)]);
    body.append(row);
  }
  return [h('h1', { text: 'Antrean verifikasi' }),
    h('p', { class: 'bantuan', text: 'Rekaman kantor di bawah yang menunggu keputusan kantor ini.' }),
    note,
    items.length ? h('table', { id: 'antrean' },
      h('thead', {}, h('tr', {}, ['Koleksi', 'Rekaman', 'Wilayah', 'Diubah', 'Status', 'Keputusan'].map((t) => h('th', { text: t })))),
      body) : h('p', { class: 'kosong', text: 'Antrean kosong.' })];
}

/* ---------- node status ---------- */

function kv(pairs) {
  return h('dl', { class: 'rincian' }, pairs.filter(Boolean).map(([k, v, cls]) => [h('dt', { text: k }), h('dd', { class: cls || null, text: v })]));
}

function peerRow(p, role) {
  const link = p.link || null;
  return h('tr', {},
    h('td', { text: role }),
    h('td', { text: (p.name || '') + ' (' + regionText(p.region) + ')' }),
    h('td', { class: p.connected ? 'baik' : 'terlambat', text: p.connected ? 'terhubung' : 'tidak terhubung' }),
    h('td', { text: fmtAgo(p.last_contact) }),
    h('td', { class: 'angka', text: fmtNum(p.lag_up || 0, 0) }),
    h('td', { class: 'angka', text: fmtNum(p.lag_down || 0, 0) }),
    h('td', { class: 'angka', text: fmtNum(p.refused || 0, 0) }),
    h('td', { text: link ? [link.up_bytes_per_s ? fmtBytes(link.up_bytes_per_s) + '/dtk naik' : '', link.rtt_ms !== undefined ? 'pp ' + link.rtt_ms + ' md' : '', link.catch_up_s ? 'menyusul ±' + link.catch_up_s + ' dtk' : ''].filter(Boolean).join(', ') : '' }));
}

async function pageNode() {
  const st = await api('GET', '/api/status');
  const d = st.pokjad || {};
  const peers = [];
  if (st.parent) peers.push(peerRow(st.parent, 'induk'));
  for (const c of st.children || []) peers.push(peerRow(c, 'anak'));
  const refused = Object.entries(st.refused || {});
  const known = new Set(['pokjad', 'parent', 'children', 'refused', 'forked', 'unacked', 'unacked_bytes', 'disk_free_bytes', 'disk_full', 'disk_full_at', 'disk_warning', 'held']);
  const rest = Object.entries(st).filter(([k, v]) => !known.has(k) && (v === null || typeof v !== 'object'));
  return [
    h('h1', { text: 'Node ini' }),
    kv(rest.map(([k, v]) => [label(k), v === null ? '-' : String(v)])),
    h('h2', { text: 'pokjad' }),
    kv([['Berjalan', d.running ? 'ya' : 'tidak', d.running ? 'baik' : 'terlambat'],
      d.since ? ['Sejak', fmtTime(d.since)] : null, d.pid ? ['PID', String(d.pid)] : null]),
    h('h2', { text: 'Induk dan anak' }),
    peers.length ? h('table', { id: 'node-peers' },
      h('thead', {}, h('tr', {}, ['Peran', 'Node', 'Sambungan', 'Kontak terakhir', 'Tertinggal naik', 'Tertinggal turun', 'Ditolak', 'Tautan'].map((t) => h('th', { text: t })))),
      h('tbody', {}, peers)) : h('p', { class: 'kosong', text: 'Belum ada induk atau anak yang terhubung.' }),
    h('h2', { text: 'Pengiriman ke induk' }),
    kv([['Belum diakui induk', st.unacked === null || st.unacked === undefined ? '- (tanpa induk)' : fmtNum(st.unacked, 0) + ' changeset (' + fmtBytes(st.unacked_bytes) + ')'],
      st.held && st.held.count ? ['Ditahan (jam pengirim lebih cepat)', fmtNum(st.held.count, 0) + ' changeset'] : null]),
    h('h2', { text: 'Changeset yang ditolak, menurut alasan' }),
    refused.length ? h('table', { id: 'node-ditolak' }, h('thead', {}, h('tr', {}, h('th', { text: 'Alasan' }), h('th', { class: 'angka', text: 'Jumlah' }))),
      h('tbody', {}, refused.map(([k, v]) => h('tr', {}, h('td', { text: k }), h('td', { class: 'angka', text: fmtNum(v, 0) })))))
      : h('p', { class: 'kosong', text: 'Tidak ada.' }),
    (st.forked || []).length ? [h('h2', { class: 'terlambat', text: 'Asal yang bercabang (fork)' }),
      h('ul', {}, st.forked.map((f) => h('li', { text: f.origin + ' pada urutan ' + f.seq })))] : null,
    h('h2', { text: 'Disk' }),
    kv([['Ruang kosong', fmtBytes(st.disk_free_bytes)],
      ['Penuh', st.disk_full ? 'YA' : 'tidak', st.disk_full ? 'terlambat' : 'baik'],
      st.disk_full_at ? ['Penuh sejak', fmtTime(st.disk_full_at)] : null,
      st.disk_warning ? ['Peringatan', st.disk_warning, 'terlambat'] : null]),
  ];
}

boot();
