// Tests of src/auth.js, the access token every page shares: ?token= taken
// into localStorage and out of the address bar, the Authorization header,
// the WebSocket's access_token, the API's error bodies, and a session that
// stops asking the hub after a 401. `npm test` (node --test), no browser.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const A = require('../src/auth.js');

test('?token= is taken from the address, the rest of it kept', () => {
  assert.deepEqual(A.takeToken('http://hub:8080/console.html?token=abc.DEF-123'), { token: 'abc.DEF-123', href: '/console.html' });
  assert.deepEqual(A.takeToken('http://hub/agency.html?agency=alxa-left-urban&token=t0k#case-4'),
    { token: 't0k', href: '/agency.html?agency=alxa-left-urban#case-4' });
  assert.deepEqual(A.takeToken('http://hub/?token=a%2Bb%3D'), { token: 'a+b=', href: '/' });
  assert.deepEqual(A.takeToken('http://hub/?token='), { token: '', href: '/' }, 'an empty token is still taken out');
  assert.deepEqual(A.takeToken('http://hub/console.html?agency=x'), { token: '', href: null }, 'nothing to take');
  assert.deepEqual(A.takeToken('not a url'), { token: '', href: null });
});

test('a token must be visible ASCII', () => {
  assert.equal(A.checkToken('hub_7Hq2.x-Y~+/='), '');
  assert.match(A.checkToken('  '), /请输入/);
  assert.match(A.checkToken('abc def'), /空格/);
  assert.match(A.checkToken('令牌'), /中文/);
  assert.match(A.checkToken('x'.repeat(4097)), /过长/);
});

test('fetch init gets Authorization: Bearer, the caller’s headers kept; none without a token', () => {
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' };
  assert.deepEqual(A.withToken(init, 'T1'), {
    method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer T1' } });
  assert.deepEqual(init.headers, { 'Content-Type': 'application/json' }, 'the caller’s init is not changed');
  assert.deepEqual(A.withToken(init, ''), init);
  assert.deepEqual(A.withToken(undefined, 'T'), { headers: { Authorization: 'Bearer T' } });
});

test('the WebSocket URL carries access_token, after since', () => {
  assert.equal(A.withAccessToken('ws://hub/ws/screen', 'T'), 'ws://hub/ws/screen?access_token=T');
  assert.equal(A.withAccessToken('ws://hub/ws/screen?since=42', 'a+b/c='), 'ws://hub/ws/screen?since=42&access_token=a%2Bb%2Fc%3D');
  assert.equal(A.withAccessToken('ws://hub/ws/screen?since=42', ''), 'ws://hub/ws/screen?since=42');
});

test('error bodies: the hub’s {error, reason} and {error: {code, message}} read the same', () => {
  assert.deepEqual(A.errorInfo({ error: 'role viewer may not ack', reason: 'forbidden' }), { code: 'forbidden', message: 'role viewer may not ack' });
  assert.deepEqual(A.errorInfo({ error: { code: 'unauthorized', message: 'token expired' } }), { code: 'unauthorized', message: 'token expired' });
  assert.deepEqual(A.errorInfo({ message: 'x' }), { code: '', message: 'x' });
  assert.deepEqual(A.errorInfo(null), { code: '', message: '' });
  assert.deepEqual(A.errorInfo('oops'), { code: '', message: '' });
  assert.deepEqual(A.normalizeError({ error: { code: 'forbidden', message: '无权查看' }, extra: 1 }),
    { error: '无权查看', reason: 'forbidden', extra: 1 });
  assert.deepEqual(A.normalizeError({ error: 'conflict', reason: 'conflict' }), { error: 'conflict', reason: 'conflict' });
  assert.deepEqual(A.normalizeError(null), { error: '', reason: '' });
});

function memoryStorage(broken) {
  const m = new Map();
  return {
    m,
    getItem: (k) => { if (broken) throw new Error('denied'); return m.has(k) ? m.get(k) : null; },
    setItem: (k, v) => { if (broken) throw new Error('denied'); m.set(k, String(v)); },
    removeItem: (k) => { if (broken) throw new Error('denied'); m.delete(k); },
  };
}

test('the store keeps the token under hub.token and never throws', () => {
  const st = memoryStorage();
  const s = A.tokenStore(st);
  assert.equal(s.get(), '');
  assert.equal(s.set(' T2 '), true);
  assert.equal(st.m.get('hub.token'), 'T2');
  assert.equal(s.get(), 'T2');
  s.clear();
  assert.equal(s.get(), '');
  const broken = A.tokenStore(memoryStorage(true));
  assert.equal(broken.get(), '');
  assert.equal(broken.set('x'), false);
  broken.clear();
  assert.equal(A.tokenStore(null).get(''), '');
});

class FakeResponse {
  constructor(body, init) {
    this.status = (init && init.status) || 200;
    this.ok = this.status >= 200 && this.status < 300;
    this.body = body;
  }
  clone() { return this; }
  async json() { return JSON.parse(this.body); }
}

// fakeWindow is what session() uses of a browser window, without a DOM.
function fakeWindow(href, answer) {
  const w = {
    location: { href, reloads: 0, reload() { this.reloads++; } },
    history: { state: null, replaced: [], replaceState(st, title, url) { this.replaced.push(url); } },
    localStorage: memoryStorage(),
    Response: FakeResponse,
    calls: [],
    fetch: async (url, init) => {
      w.calls.push({ url, init });
      return answer(url, init);
    },
  };
  return w;
}

test('a session takes ?token= into storage and out of the address bar', () => {
  const w = fakeWindow('http://hub/agency.html?agency=a1&token=T3', () => new FakeResponse('{}'));
  const s = A.session(w);
  assert.equal(s.token(), 'T3');
  assert.deepEqual(w.history.replaced, ['/agency.html?agency=a1']);
  assert.equal(s.wsURL('ws://hub/ws/screen'), 'ws://hub/ws/screen?access_token=T3');

  const plain = fakeWindow('http://hub/console.html', () => new FakeResponse('{}'));
  plain.localStorage.setItem('hub.token', 'kept');
  assert.equal(A.session(plain).token(), 'kept', 'a stored token is used');
  assert.deepEqual(plain.history.replaced, [], 'an address without a token is left alone');

  const bad = fakeWindow('http://hub/?token=has%20space', () => new FakeResponse('{}'));
  assert.equal(A.session(bad).token(), '', 'a malformed token is not stored');
  assert.deepEqual(bad.history.replaced, ['/'], 'but still taken out of the address');
});

test('a session sends the token, and after a 401 asks the hub nothing more', async () => {
  let status = 200;
  const w = fakeWindow('http://hub/?token=T4', () => new FakeResponse(status === 200 ? '{"ok":1}'
    : '{"error":"invalid token","reason":"unauthorized"}', { status }));
  const s = A.session(w);
  const prompts = [];
  s.prompt = (message) => prompts.push(message); // no DOM here
  const res = await s.fetch('/api/v1/me', { cache: 'no-store' });
  assert.equal(res.status, 200);
  assert.deepEqual(w.calls[0].init, { cache: 'no-store', headers: { Authorization: 'Bearer T4' } });

  status = 403;
  assert.equal((await s.fetch('/api/v1/alarms/1/ack', { method: 'POST' })).status, 403);
  assert.deepEqual(prompts, [], 'a 403 is the caller’s to show');
  assert.equal(s.unauthorized, false);

  status = 401;
  assert.equal((await s.fetch('/api/v1/cases')).status, 401);
  assert.deepEqual(prompts, ['invalid token']);
  assert.equal(s.unauthorized, true);
  const n = w.calls.length;
  const again = await s.fetch('/api/v1/cases');
  assert.equal(again.status, 401);
  assert.equal(w.calls.length, n, 'no request after a 401');
  assert.deepEqual(prompts, ['invalid token'], 'one prompt');
  assert.deepEqual(await s.probe('/ws/screen'), { status: 401, code: 'unauthorized', message: '需要访问令牌' });
});

test('probe reports the status and reason of a route, 0 when the hub is unreachable', async () => {
  const w = fakeWindow('http://hub/', (url) => {
    if (url === '/down') throw new TypeError('Failed to fetch');
    return new FakeResponse('{"error":"role grid may not watch the screen","reason":"forbidden"}', { status: 403 });
  });
  const s = A.session(w);
  assert.deepEqual(await s.probe('/ws/screen'), { status: 403, code: 'forbidden', message: 'role grid may not watch the screen' });
  assert.deepEqual(await s.probe('/down'), { status: 0, code: '', message: '' });
  assert.equal(w.calls[0].init.headers, undefined, 'no token, no header');
});
