// auth.js — the access token of every page: the big screen, the operator
// console and the agency page load it first. A page opened with ?token=T
// keeps T in localStorage (hub.token) and takes it out of the address bar;
// every fetch then sends Authorization: Bearer T and the screen's WebSocket
// asks for /ws/screen?access_token=T (browsers cannot set WebSocket
// headers). A 401 puts up a full-page prompt (请输入访问令牌) that saves a
// token and reloads; a 403 is the caller's to show, with the server's reason
// (errorInfo). With no token the pages work as before against an open hub.
//
// The pure part (URL handling, headers, error bodies, the store) is
// unit-tested in test/auth.test.js; session(window) is the browser's.
(function (root, factory) {
  const m = factory();
  if (typeof module === 'object' && module.exports) module.exports = m;
  else root.HubAuth = Object.assign(m, m.session(root));
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  const TOKEN_KEY = 'hub.token';
  const TOKEN_PARAM = 'token';
  const WS_PARAM = 'access_token';

  // takeToken reads ?token= from a page's address. href is what to put in
  // the address bar instead (path, the other parameters and the hash), null
  // when the address has no token parameter.
  function takeToken(address) {
    let u;
    try {
      u = new URL(address);
    } catch (e) {
      return { token: '', href: null };
    }
    if (!u.searchParams.has(TOKEN_PARAM)) return { token: '', href: null };
    const token = String(u.searchParams.get(TOKEN_PARAM) || '').trim();
    u.searchParams.delete(TOKEN_PARAM);
    return { token, href: u.pathname + u.search + u.hash };
  }

  // A bearer token is visible ASCII (RFC 6750's b64token is narrower; the
  // hub decides). Spaces or CJK pasted by mistake would break the header.
  function checkToken(t) {
    const s = String(t === undefined || t === null ? '' : t).trim();
    if (!s) return '请输入访问令牌';
    if (s.length > 4096) return '令牌过长';
    if (!/^[\x21-\x7e]+$/.test(s)) return '令牌只能由字母、数字和符号组成，不能有空格或中文';
    return '';
  }

  // withToken returns fetch's init with the Authorization header added (the
  // caller's headers kept); without a token, init unchanged.
  function withToken(init, token) {
    const i = Object.assign({}, init || {});
    if (!token) return i;
    i.headers = Object.assign({}, i.headers || {}, { Authorization: 'Bearer ' + token });
    return i;
  }

  // withAccessToken adds ?access_token= to a WebSocket URL.
  function withAccessToken(url, token) {
    if (!token) return url;
    return url + (url.includes('?') ? '&' : '?') + WS_PARAM + '=' + encodeURIComponent(token);
  }

  // errorInfo reads an API error body: {"error":"…","reason":"forbidden"}
  // (internal/api respond.go) or {"error":{"code","message"}}.
  function errorInfo(body) {
    if (!body || typeof body !== 'object') return { code: '', message: '' };
    const e = body.error;
    if (e && typeof e === 'object') {
      return { code: String(e.code || body.reason || ''), message: String(e.message || '') };
    }
    return {
      code: String(body.reason || body.code || ''),
      message: typeof e === 'string' ? e : typeof body.message === 'string' ? body.message : '',
    };
  }

  // normalizeError gives an error body the flat shape the pages read:
  // error (the message) and reason (the code), other fields kept.
  function normalizeError(body) {
    const info = errorInfo(body);
    return Object.assign({}, body && typeof body === 'object' ? body : {}, { error: info.message, reason: info.code });
  }

  // tokenStore keeps the token in storage (localStorage), never throwing:
  // a browser that refuses storage just has no token.
  function tokenStore(storage) {
    return {
      get() {
        try { return (storage && storage.getItem(TOKEN_KEY)) || ''; } catch (e) { return ''; }
      },
      set(t) {
        try { storage.setItem(TOKEN_KEY, String(t).trim()); return true; } catch (e) { return false; }
      },
      clear() {
        try { storage.removeItem(TOKEN_KEY); } catch (e) { /* nothing stored */ }
      },
    };
  }

  // session is the browser side, for one window: it takes ?token= at once
  // (before the page's own scripts read location), then offers fetch,
  // wsURL, probe, the prompt and the notice.
  function session(win) {
    let storage = null;
    try { storage = win.localStorage; } catch (e) { storage = null; }
    const store = tokenStore(storage);
    const taken = takeToken(win.location.href);
    if (taken.href !== null) {
      if (taken.token && !checkToken(taken.token)) store.set(taken.token);
      try { win.history.replaceState(win.history.state, '', taken.href); } catch (e) { /* the address stays */ }
    }
    const s = { unauthorized: false };

    s.token = () => store.get();
    s.wsURL = (url) => withAccessToken(url, store.get());

    // fetch is window.fetch with the token; a 401 puts up the prompt, and
    // from then on the page asks nothing more of the hub until a token is
    // saved (which reloads): polling pages do not hammer it meanwhile.
    s.fetch = async (url, init) => {
      if (s.unauthorized) {
        return new win.Response(JSON.stringify({ error: '需要访问令牌', reason: 'unauthorized' }),
          { status: 401, headers: { 'Content-Type': 'application/json' } });
      }
      const res = await win.fetch(url, withToken(init, store.get()));
      if (res.status === 401) s.denied(await bodyOf(res));
      return res;
    };

    // probe asks a URL (a WebSocket route, as plain HTTP) whether this
    // token may use it: {status, code, message}, status 0 if unreachable.
    s.probe = async (url) => {
      try {
        const res = await s.fetch(url, { cache: 'no-store' });
        return Object.assign({ status: res.status }, errorInfo(await bodyOf(res)));
      } catch (e) {
        return { status: 0, code: '', message: '' };
      }
    };

    s.denied = (body) => {
      if (s.unauthorized) return;
      s.unauthorized = true;
      s.prompt(errorInfo(body).message);
    };

    s.prompt = (message) => showPrompt(win, store, message, false);
    s.change = () => showPrompt(win, store, '', true);
    s.notice = (text) => showNotice(win, s, text);
    return s;
  }

  async function bodyOf(res) {
    try { return await res.clone().json(); } catch (e) { return null; }
  }

  function el(doc, tag, attrs, text) {
    const e = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text) e.textContent = text;
    return e;
  }

  // showPrompt puts the full-page 请输入访问令牌 form over the page. After
  // a 401 (change false) it stays until a token is saved, which reloads; a
  // change asked for by the user can be cancelled.
  function showPrompt(win, store, message, change) {
    const doc = win.document;
    if (!doc || !doc.body || doc.getElementById('auth-prompt')) return; // already up: keep what is typed
    const had = store.get();
    const box = el(doc, 'div', { id: 'auth-prompt', class: 'auth-overlay', role: 'dialog', 'aria-modal': 'true',
      'aria-labelledby': 'auth-title' });
    const form = el(doc, 'form', { class: 'auth-card', autocomplete: 'off' });
    let lead = '访问本系统需要访问令牌，请向系统管理员索取。令牌只保存在本浏览器中。';
    if (change) lead = '输入新的访问令牌，保存后页面重新载入。';
    else if (had) lead = '已保存的访问令牌无效或已过期，请输入新的令牌。';
    form.append(el(doc, 'h2', { id: 'auth-title' }, '请输入访问令牌'), el(doc, 'p', { class: 'auth-lead' }, lead));
    if (message) form.append(el(doc, 'p', { class: 'auth-server', id: 'auth-server' }, '服务器提示：' + message));
    const input = el(doc, 'input', { id: 'auth-token', name: 'token', type: 'password', spellcheck: 'false',
      autocomplete: 'off', placeholder: '访问令牌', 'aria-label': '访问令牌' });
    const msg = el(doc, 'p', { class: 'auth-msg', id: 'auth-msg', role: 'alert' });
    const buttons = el(doc, 'div', { class: 'auth-buttons' });
    buttons.append(el(doc, 'button', { type: 'submit', id: 'auth-save', class: 'auth-btn is-primary' }, '保存并重新载入'));
    if (had) {
      const clear = el(doc, 'button', { type: 'button', id: 'auth-clear', class: 'auth-btn' }, '清除已保存的令牌');
      clear.onclick = () => { store.clear(); win.location.reload(); };
      buttons.append(clear);
    }
    if (change) {
      const cancel = el(doc, 'button', { type: 'button', id: 'auth-cancel', class: 'auth-btn' }, '取消');
      cancel.onclick = () => { box.remove(); delete doc.body.dataset.auth; };
      buttons.append(cancel);
    }
    form.append(input, msg, buttons);
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const bad = checkToken(input.value);
      if (bad) {
        msg.textContent = bad;
        return;
      }
      if (!store.set(input.value)) {
        msg.textContent = '浏览器不允许保存令牌（本地存储被禁用）';
        return;
      }
      win.location.reload();
    };
    box.append(form);
    doc.body.append(box);
    doc.body.dataset.auth = change ? 'change' : 'required';
    input.focus();
  }

  // showNotice shows a line across the top (a 403's reason) that the user
  // can close or use to change the token; the page keeps working under it.
  function showNotice(win, s, text) {
    const doc = win.document;
    if (!doc || !doc.body || !text) return;
    let bar = doc.getElementById('auth-notice');
    if (!bar) {
      bar = el(doc, 'div', { id: 'auth-notice', class: 'auth-notice', role: 'status' });
      const span = el(doc, 'span', { class: 'auth-notice-text' });
      const change = el(doc, 'button', { type: 'button', class: 'auth-btn' }, '更换令牌');
      change.onclick = () => s.change();
      const close = el(doc, 'button', { type: 'button', class: 'auth-btn', 'aria-label': '关闭' }, '×');
      close.onclick = () => { bar.hidden = true; };
      bar.append(span, change, close);
      doc.body.append(bar);
    }
    bar.firstChild.textContent = text;
    bar.hidden = false;
  }

  return {
    TOKEN_KEY, takeToken, checkToken, withToken, withAccessToken, errorInfo, normalizeError, tokenStore, session,
  };
});
