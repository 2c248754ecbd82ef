// Protocol tests for src/stream.js against docs/screen-protocol.md, with a
// fake WebSocket and fake timers: `npm test` (node --test), no browser.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { ScreenStream, ScreenState, backoffDelay, streamURL, DENIED_RETRY_MS } = require('../src/stream.js');

class FakeSocket {
  constructor(url) {
    this.url = url;
    this.closed = false;
    FakeSocket.all.push(this);
  }
  close() { this.closed = true; }
  send(obj) { this.onmessage({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) }); }
  serverClose(code) { this.onclose({ code, reason: '' }); }
}

function harness(extra) {
  FakeSocket.all = [];
  const timers = [];
  let clock = 0;
  const quiet = { warn() {}, error() {}, info() {} };
  const s = new ScreenStream({
    ...extra,
    url: (since) => 'ws://hub/ws/screen' + (since === null || since === undefined ? '' : '?since=' + since),
    WebSocket: FakeSocket,
    log: quiet,
    now: () => clock,
    timers: {
      set: (f, ms) => { const t = { f, at: clock + ms }; timers.push(t); return t; },
      clear: (t) => { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); },
    },
  });
  // advance runs due timers in time order.
  s.advance = (ms) => {
    const end = clock + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      clock = t.at;
      t.f();
    }
    clock = end;
  };
  s.socket = () => FakeSocket.all[FakeSocket.all.length - 1];
  s.pending = () => timers.length;
  return s;
}

const dev = (id, extra) => ({ id, kind: 'hydrology', name: id, lon: 101, lat: 41, online: true, ...extra });
const snapshot = (seq, devices, alarms) => ({
  type: 'snapshot', seq, entities: { device: devices || [], alarm: alarms || [], stats: [{ id: 'hub', readings_total: 5 }] },
});

test('snapshot then in-order deltas are applied', () => {
  const s = harness();
  s.start();
  assert.equal(s.socket().url, 'ws://hub/ws/screen');
  s.socket().send(snapshot(10, [dev('a'), dev('b')], [{ id: 7, source: 'a', severity: 'major', status: 'active' }]));
  assert.equal(s.status, 'open');
  assert.equal(s.state.seq, 10);
  assert.equal(s.state.devices.size, 2);
  assert.ok(s.state.alarms.has('7'));
  s.socket().send({ type: 'delta', seq: 11, entity: 'device', op: 'upsert', id: 'c', data: dev('c') });
  s.socket().send({ type: 'delta', seq: 12, entity: 'device', op: 'remove', id: 'a' });
  s.socket().send({ type: 'delta', seq: 13, entity: 'alarm', op: 'upsert', id: '7', data: { id: 7, status: 'cleared' } });
  s.socket().send({ type: 'delta', seq: 14, entity: 'alarm', op: 'remove', id: '7' });
  s.socket().send({ type: 'delta', seq: 15, entity: 'stats', op: 'upsert', id: 'hub', data: { id: 'hub', readings_total: 9 } });
  assert.equal(s.state.seq, 15);
  assert.equal(s.state.applied, 5);
  assert.deepEqual([...s.state.devices.keys()].sort(), ['b', 'c']);
  assert.equal(s.state.alarms.size, 0);
  assert.equal(s.state.stats.readings_total, 9);
});

test('a patch merges the fields that changed into what the page holds', () => {
  const s = harness();
  s.start();
  s.socket().send(snapshot(10, [dev('a', { values: { water_level_m: 1050.1 }, fw: 'v1' })]));
  const before = s.state.devices.get('a');
  s.socket().send({ type: 'delta', seq: 11, entity: 'device', op: 'patch', id: 'a',
    data: { values: { water_level_m: 1050.4 }, online: false, fw: null } });
  const a = s.state.devices.get('a');
  assert.deepEqual(a.values, { water_level_m: 1050.4 });
  assert.equal(a.online, false);
  assert.equal(a.name, 'a', 'unchanged fields stay');
  assert.equal(a.lon, 101);
  assert.ok(!('fw' in a), 'a field sent as null is gone');
  assert.equal(before.fw, 'v1', 'the held object is not changed in place');
  assert.equal(s.state.applied, 1);
  s.socket().send({ type: 'delta', seq: 12, entity: 'device', op: 'patch', id: 'a', data: 'nonsense' });
  assert.equal(s.counts.malformed, 1, 'a patch without an object is counted malformed');
  assert.equal(s.state.devices.get('a').values.water_level_m, 1050.4);
});

test('a gap reconnects with ?since= after 1 s and a resume keeps state', () => {
  const s = harness();
  s.start();
  s.socket().send(snapshot(10, [dev('a')]));
  s.socket().send({ type: 'delta', seq: 12, entity: 'device', op: 'upsert', id: 'x', data: dev('x') });
  assert.equal(s.status, 'retrying');
  assert.equal(s.state.devices.has('x'), false, 'the delta after a gap is not applied');
  const old = s.socket();
  assert.ok(old.closed);
  s.advance(999);
  assert.equal(FakeSocket.all.length, 1);
  s.advance(1);
  assert.equal(s.socket().url, 'ws://hub/ws/screen?since=10');
  s.socket().send({ type: 'resume', seq: 10 });
  s.socket().send({ type: 'delta', seq: 11, entity: 'device', op: 'upsert', id: 'x', data: dev('x') });
  assert.equal(s.status, 'open');
  assert.deepEqual([...s.state.devices.keys()].sort(), ['a', 'x']);
  assert.equal(s.counts.resumes, 1);
  assert.equal(s.counts.gaps, 1);
});

test('a snapshot on reconnect replaces the whole state', () => {
  const s = harness();
  s.start();
  s.socket().send(snapshot(10, [dev('a'), dev('b')]));
  s.socket().serverClose(1008);
  s.advance(1000);
  assert.equal(s.socket().url, 'ws://hub/ws/screen?since=10');
  s.socket().send(snapshot(500, [dev('z')]));
  assert.deepEqual([...s.state.devices.keys()], ['z']);
  assert.equal(s.state.seq, 500);
});

test('backoff doubles to 10 s and resets after a snapshot', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(backoffDelay), [1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  const s = harness();
  s.start();
  const waits = [];
  for (let i = 0; i < 6; i++) {
    const before = FakeSocket.all.length;
    s.socket().serverClose(1006);
    let waited = 0;
    while (FakeSocket.all.length === before) { s.advance(500); waited += 500; }
    waits.push(waited);
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
  s.socket().send(snapshot(1));
  s.socket().serverClose(1006);
  s.advance(1000);
  assert.equal(FakeSocket.all.length, 8);
});

test('malformed frames and unknown entities are skipped without losing sync', () => {
  const s = harness();
  s.start();
  s.socket().send(snapshot(1, [dev('a')]));
  s.socket().send('{not json');
  s.socket().send('[]');
  s.socket().send({ type: 'delta', entity: 'device', op: 'upsert', id: 'q', data: dev('q') }); // no seq
  s.socket().send({ type: 'delta', seq: 2, entity: 'plan', op: 'upsert', id: '1', data: { id: 1 } }); // unknown entity
  s.socket().send({ type: 'delta', seq: 3, entity: 'device', op: 'upsert', id: 'b' }); // no data
  s.socket().send({ type: 'hello' });
  s.socket().send({ type: 'delta', seq: 4, entity: 'device', op: 'upsert', id: 'c', data: dev('c') });
  assert.equal(s.status, 'open');
  assert.equal(s.state.seq, 4);
  assert.deepEqual([...s.state.devices.keys()].sort(), ['a', 'c']);
  assert.equal(s.counts.malformed, 4);
});

test('duplicates are ignored; a delta before any snapshot forces a fresh one', () => {
  const s = harness();
  s.start();
  s.socket().send(snapshot(5, [dev('a')]));
  s.socket().send({ type: 'delta', seq: 5, entity: 'device', op: 'remove', id: 'a' });
  assert.ok(s.state.devices.has('a'));
  s.socket().serverClose(1006);
  s.advance(1000);
  s.socket().send({ type: 'delta', seq: 6, entity: 'device', op: 'remove', id: 'a' });
  assert.equal(s.status, 'retrying');
  s.advance(2000); // second attempt without a sync in between
  assert.equal(s.socket().url, 'ws://hub/ws/screen');
});

test('a resume at another seq than asked for starts afresh', () => {
  const s = harness();
  s.start();
  s.socket().send(snapshot(5));
  s.socket().serverClose(1006);
  s.advance(1000);
  s.socket().send({ type: 'resume', seq: 3 });
  assert.equal(s.status, 'retrying');
  s.advance(2000); // second attempt without a sync in between
  assert.equal(s.socket().url, 'ws://hub/ws/screen');
  s.socket().serverClose(1006); // still no snapshot: keep asking for one
  s.advance(4000);
  assert.equal(s.socket().url, 'ws://hub/ws/screen');
  s.socket().send(snapshot(9));
  s.socket().serverClose(1006);
  s.advance(1000);
  assert.equal(s.socket().url, 'ws://hub/ws/screen?since=9');
});

test('a silent stream is reconnected after the stall timeout', () => {
  const s = harness();
  s.start();
  s.socket().send(snapshot(5));
  s.advance(10000);
  s.socket().send({ type: 'delta', seq: 6, entity: 'stats', op: 'upsert', id: 'hub', data: { id: 'hub' } });
  s.advance(14000);
  assert.equal(s.status, 'open');
  s.advance(1000);
  assert.equal(s.status, 'retrying');
  s.advance(1000);
  assert.equal(s.socket().url, 'ws://hub/ws/screen?since=6');
});

test('streamURL follows the page scheme and host', () => {
  assert.equal(streamURL({ protocol: 'https:', host: 'hub.gov:8443' }, '/', 42), 'wss://hub.gov:8443/ws/screen?since=42');
  assert.equal(streamURL({ protocol: 'http:', host: '10.0.0.5' }, '/', null), 'ws://10.0.0.5/ws/screen');
  assert.equal(streamURL({ protocol: 'http:', host: 'h' }, '/hub/', 0), 'ws://h/hub/ws/screen?since=0');
});

test('ScreenState.replace drops everything from before', () => {
  const st = new ScreenState();
  st.replace({ device: [dev('a')], alarm: [{ id: 1, status: 'active' }, { id: 2, status: 'cleared' }] }, 3);
  assert.equal(st.alarms.size, 1);
  st.replace({}, 9);
  assert.equal(st.devices.size, 0);
  assert.equal(st.stats, null);
  assert.equal(st.seq, 9);
});

test('incidents, alarm comments and the online summary are kept; unknown entities are not', () => {
  const st = new ScreenState();
  st.replace({
    device: [dev('fc-1'), dev('fc-2')],
    alarm: [{ id: 5, source: 'fc-1', status: 'active' }, { id: 6, source: 'fc-2', status: 'active' }],
    incident: [{ id: 1, status: 'open', alarm_ids: [5, 6], location: { method: 'triangulated' } }],
    alarm_comment: [{ id: 1, alarm_id: 5, text: '已派人' }, { id: 2, alarm_id: 6, text: '核实中' }],
    online: [{ id: 'summary', all: { total: 2, online: 2, rate: 1 }, by_kind: {} }],
    stats: [{ readings_total: 3 }], // a singleton needs no id
    resource: [{ id: 'r1' }], // not drawn by this page
  }, 40);
  assert.equal(st.incidents.size, 1);
  assert.equal(st.comments.size, 2);
  assert.equal(st.online.all.rate, 1);
  assert.equal(st.stats.readings_total, 3);
  assert.equal(st.resource, undefined);

  assert.equal(st.apply({ seq: 41, entity: 'incident', op: 'upsert', id: '2', data: { id: 2, status: 'open' } }), true);
  assert.equal(st.apply({ seq: 42, entity: 'incident', op: 'upsert', id: '1', data: { id: 1, status: 'closed' } }), true);
  assert.deepEqual([...st.incidents.keys()], ['2'], 'a closed incident leaves the view');
  assert.equal(st.apply({ seq: 43, entity: 'incident', op: 'remove', id: '2' }), true);
  assert.equal(st.incidents.size, 0);

  // A removed alarm takes its comments with it.
  st.apply({ seq: 44, entity: 'alarm', op: 'remove', id: '5' });
  assert.deepEqual([...st.comments.keys()], ['2']);
  st.apply({ seq: 45, entity: 'alarm_comment', op: 'remove', id: '2' });
  assert.equal(st.comments.size, 0);

  st.apply({ seq: 46, entity: 'online', op: 'upsert', id: 'summary', data: { all: { total: 2, online: 1, rate: 0.5 }, by_kind: {} } });
  assert.equal(st.online.all.rate, 0.5);
  assert.equal(st.apply({ seq: 47, entity: 'resource', op: 'upsert', id: 'r1', data: { id: 'r1' } }), false);
  assert.equal(st.seq, 47);
  assert.equal(st.applied, 7);
});

test('new entities arrive through the stream like the old ones', () => {
  const s = harness();
  const seen = [];
  s.onChange = (kind, entity) => seen.push(entity || kind);
  s.start();
  s.socket().send(snapshot(1, [dev('a')]));
  s.socket().send({ type: 'delta', seq: 2, entity: 'incident', op: 'upsert', id: '7', data: { id: 7, status: 'open' } });
  s.socket().send({ type: 'delta', seq: 3, entity: 'online', op: 'upsert', id: 'summary', data: { all: { total: 1, online: 1 } } });
  s.socket().send({ type: 'delta', seq: 4, entity: 'resource', op: 'upsert', id: 'r1', data: { id: 'r1' } });
  s.socket().send({ type: 'delta', seq: 5, entity: 'alarm_comment', op: 'upsert', id: '1', data: { id: 1, alarm_id: 3 } });
  assert.equal(s.status, 'open');
  assert.equal(s.state.seq, 5);
  assert.ok(s.state.incidents.has('7'));
  assert.ok(s.state.comments.has('1'));
  assert.equal(s.counts.malformed, 0);
  assert.deepEqual(seen, ['snapshot', 'incident', 'online', 'resource', 'alarm_comment']);
});

test('cases, active plans and today\'s case figures are kept; a stood-down plan leaves', () => {
  const st = new ScreenState();
  st.replace({
    case: [{ id: 42, no: 'YW20261121000042', state: 'dispatched' }, { id: 43, state: 'closed' }],
    // A plan body has no id: it is keyed by case_id. kpi has none either.
    plan: [{ case_id: 42, plan_id: 'forest-fire-iv', name: '森林火情应急预案', level: 'Ⅳ级', resources: ['r1', 'r2'] }],
    kpi: [{ as_of: '2026-11-21T08:00:00Z', funnel: { reported: 2 } }],
  }, 10);
  assert.deepEqual([...st.cases.keys()], ['42', '43'], 'closed cases stay entities; the views leave them off the map');
  assert.equal(st.plans.get('42').plan_id, 'forest-fire-iv');
  assert.equal(st.kpi.funnel.reported, 2);

  const s = harness();
  const seen = [];
  s.onChange = (kind, entity) => seen.push(entity || kind);
  s.start();
  s.socket().send({ type: 'snapshot', seq: 1, entities: { case: [{ id: 1, state: 'reported' }] } });
  s.socket().send({ type: 'delta', seq: 2, entity: 'case', op: 'upsert', id: '1', data: { id: 1, state: 'registered' } });
  s.socket().send({ type: 'delta', seq: 3, entity: 'plan', op: 'upsert', id: '1', data: { case_id: 1, name: 'p', level: 'Ⅲ级' } });
  s.socket().send({ type: 'delta', seq: 4, entity: 'kpi', op: 'upsert', id: 'today', data: { overdue: 3 } });
  assert.equal(s.state.cases.get('1').state, 'registered');
  assert.equal(s.state.plans.size, 1);
  assert.equal(s.state.kpi.overdue, 3);
  s.socket().send({ type: 'delta', seq: 5, entity: 'plan', op: 'remove', id: '1' });
  s.socket().send({ type: 'delta', seq: 6, entity: 'case', op: 'remove', id: '1' });
  s.socket().send({ type: 'delta', seq: 7, entity: 'plan', op: 'upsert', id: '2', data: { case_id: 2, stood_down_at: '2026-11-21T09:00:00Z' } });
  s.socket().send({ type: 'delta', seq: 8, entity: 'kpi', op: 'remove', id: 'today' });
  assert.equal(s.state.plans.size, 0, 'removed, and an upsert of a stood-down plan is no banner');
  assert.equal(s.state.cases.size, 0);
  assert.equal(s.state.kpi, null);
  assert.equal(s.state.seq, 8);
  assert.deepEqual(seen, ['snapshot', 'case', 'plan', 'kpi', 'plan', 'case', 'plan', 'kpi']);
});

// The access check (auth.js probes /ws/screen over HTTP) after a socket that
// closed before its snapshot: the browser never says why a handshake failed.
function checked(verdicts) {
  const asked = [];
  const denied = [];
  const s = harness({
    check: async () => { asked.push(s.socket().url); return verdicts.shift() || { status: 400 }; },
    onDenied: (v) => denied.push(v),
  });
  s.asked = asked;
  s.denied = denied;
  return s;
}
const settle = () => new Promise((r) => setImmediate(r));

test('a 401 behind a failed handshake stops the stream: no reconnects until a token is saved', async () => {
  const s = checked([{ status: 401, message: 'missing token' }]);
  s.start();
  s.socket().serverClose(1006);
  assert.equal(s.status, 'retrying');
  await settle();
  assert.equal(s.status, 'unauthorized');
  assert.deepEqual(s.denied, [{ status: 401, message: 'missing token' }]);
  assert.equal(s.pending(), 0, 'no timer left: nothing will reconnect');
  s.advance(10 * 60 * 1000);
  assert.equal(FakeSocket.all.length, 1, 'one attempt only');
  assert.equal(s.counts.connects, 1);
});

test('a 403 retries only once a minute; anything else backs off as usual', async () => {
  const s = checked([{ status: 403, message: 'role grid' }, { status: 0 }]);
  s.start();
  s.socket().serverClose(1006);
  await settle();
  assert.equal(s.status, 'retrying');
  assert.equal(s.denied.length, 1);
  s.advance(DENIED_RETRY_MS - 1);
  assert.equal(FakeSocket.all.length, 1, 'not before a minute');
  s.advance(1);
  assert.equal(FakeSocket.all.length, 2);
  s.socket().serverClose(1006); // the hub is unreachable now (status 0): ordinary backoff
  await settle();
  s.advance(backoffDelay(0));
  assert.equal(FakeSocket.all.length, 3);
  assert.equal(s.asked.length, 2);
});

test('a socket that synced and then closed reconnects without asking', async () => {
  const s = checked([]);
  s.start();
  s.socket().send(snapshot(5));
  s.socket().serverClose(1001);
  await settle();
  assert.deepEqual(s.asked, [], 'no probe');
  s.advance(1000);
  assert.equal(s.socket().url, 'ws://hub/ws/screen?since=5');
});

test('a stream stopped while the check runs stays stopped', async () => {
  const s = checked([{ status: 403 }]);
  s.start();
  s.socket().serverClose(1006);
  s.stop();
  await settle();
  assert.equal(s.status, 'idle');
  assert.equal(s.pending(), 0);
  assert.deepEqual(s.denied, []);
});
