// stream.js — the /ws/screen client (docs/screen-protocol.md) and the entity
// state it maintains. No DOM and no ECharts here: the page subscribes with
// onChange/onStatus, and test/stream.test.js drives it with a fake WebSocket.
(function (root, factory) {
  const m = factory();
  if (typeof module === 'object' && module.exports) module.exports = m;
  else root.HubScreen = Object.assign(root.HubScreen || {}, m);
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  const BACKOFF_MS = [1000, 2000, 4000, 8000, 10000];
  // A synced stream carries a stats delta about once a second; this much
  // silence means a half-open connection, so the client reconnects.
  const STALL_MS = 15000;
  const CONNECT_TIMEOUT_MS = 10000;
  // A hub that refuses this screen's token (403) is asked again this rarely.
  const DENIED_RETRY_MS = 60000;

  function backoffDelay(attempt) {
    return BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
  }

  function isSeq(x) {
    return Number.isSafeInteger(x) && x >= 0;
  }

  const SINGLETONS = new Set(['stats', 'online', 'kpi']);
  // The field of a snapshot body that holds its entity id, where it is not
  // `id`: a plan banner is keyed by its case.
  const ID_FIELD = { plan: 'case_id' };

  function isObject(x) {
    return x !== null && typeof x === 'object' && !Array.isArray(x);
  }

  // merge applies a patch (the fields that changed; null for a field that
  // is gone) to what the page holds, without touching the held object.
  function merge(held, patch) {
    const out = Object.assign({}, isObject(held) ? held : {});
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = v;
    }
    return out;
  }

  // streamURL builds ws(s)://host{base}ws/screen[?since=SEQ] for the page's origin.
  function streamURL(loc, base, since) {
    const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = since === null || since === undefined ? '' : '?since=' + since;
    return proto + '//' + loc.host + (base || '/') + 'ws/screen' + q;
  }

  // ScreenState is the client's materialised view: devices, active alarms,
  // open incidents, alarm comments, the online-rate summary and the hub
  // stats; cases, active plans and today's case figures (kpi); plus the seq
  // of the last delta applied. Entities it does not know
  // are ignored (a newer hub may send more than this page draws).
  class ScreenState {
    constructor() {
      this.seq = null;
      this.applied = 0;
      this.clear();
    }

    clear() {
      this.devices = new Map();
      this.alarms = new Map();
      this.incidents = new Map();
      this.comments = new Map();
      this.cases = new Map();
      this.plans = new Map(); // active plans by case id (the banner)
      this.stats = null;
      this.online = null;
      this.kpi = null; // today's case figures, id "today"
    }

    replace(entities, seq) {
      const e = isObject(entities) ? entities : {};
      this.clear();
      for (const name of Object.keys(e)) {
        for (const x of list(e[name])) {
          if (!isObject(x)) continue;
          const key = x[ID_FIELD[name] || 'id'] !== undefined ? x[ID_FIELD[name] || 'id'] : x.id;
          const hasID = key !== undefined && key !== null;
          // stats, online and kpi are singletons: their id does not matter.
          if (hasID || SINGLETONS.has(name)) this.upsert(name, hasID ? String(key) : '', x);
        }
      }
      this.seq = seq;
    }

    // apply applies one in-sequence delta; it returns false when the delta
    // changed nothing the page knows about (unknown entity, bad payload).
    apply(d) {
      this.seq = d.seq;
      this.applied++;
      const id = d.id === undefined || d.id === null ? null : String(d.id);
      if (id === null) return false;
      if (d.op === 'remove') return this.remove(d.entity, id);
      if (d.op === 'upsert' && isObject(d.data)) return this.upsert(d.entity, id, d.data);
      if (d.op === 'patch' && isObject(d.data)) return this.upsert(d.entity, id, merge(this.get(d.entity, id), d.data));
      return false;
    }

    // get is what the page holds of one entity (undefined if nothing).
    get(entity, id) {
      const maps = { device: this.devices, alarm: this.alarms, incident: this.incidents,
        alarm_comment: this.comments, case: this.cases, plan: this.plans };
      if (maps[entity]) return maps[entity].get(id);
      return this[entity];
    }

    upsert(entity, id, data) {
      switch (entity) {
        case 'device': this.devices.set(id, data); return true;
        case 'alarm':
          // A cleared alarm is sent once before its remove; it is no longer active.
          if (data.status === 'cleared') return this.remove('alarm', id);
          this.alarms.set(id, data);
          return true;
        case 'incident':
          // Likewise a closed incident leaves the live view.
          if (data.status === 'closed') return this.remove('incident', id);
          this.incidents.set(id, data);
          return true;
        case 'alarm_comment': this.comments.set(id, data); return true;
        case 'case': this.cases.set(id, data); return true;
        case 'plan':
          // A stood-down plan is removed; one sent with stood_down_at is over too.
          if (data.stood_down_at) return this.remove('plan', id);
          this.plans.set(id, data);
          return true;
        case 'kpi': this.kpi = data; return true;
        case 'online': this.online = data; return true;
        case 'stats': this.stats = data; return true;
      }
      return false;
    }

    remove(entity, id) {
      switch (entity) {
        case 'device': return this.devices.delete(id);
        case 'alarm': {
          // An alarm's comments go with it: the screen shows only active alarms.
          for (const [cid, c] of this.comments) if (String(c.alarm_id) === id) this.comments.delete(cid);
          return this.alarms.delete(id);
        }
        case 'incident': return this.incidents.delete(id);
        case 'alarm_comment': return this.comments.delete(id);
        case 'case': return this.cases.delete(id);
        case 'plan': return this.plans.delete(id);
        case 'kpi': this.kpi = null; return true;
        case 'online': this.online = null; return true;
        case 'stats': this.stats = null; return true;
      }
      return false;
    }
  }

  function list(x) {
    return Array.isArray(x) ? x : [];
  }

  // ScreenStream keeps one WebSocket to /ws/screen: snapshot, then deltas in
  // seq order; on a gap, a stall or a close it reconnects with ?since=SEQ
  // after a backoff of 1 s, 2 s, 4 s … 10 s.
  //
  // A browser never sees why a WebSocket handshake failed, so when a socket
  // closes before its snapshot the stream asks opts.check() (an HTTP probe
  // of the same route, resolving to {status, message}): 401 stops it
  // (status "unauthorized") until the page has a token, 403 retries only
  // every DENIED_RETRY_MS; both are told to opts.onDenied(verdict).
  class ScreenStream {
    constructor(opts) {
      this.url = opts.url; // (since|null) => string
      this.WebSocket = opts.WebSocket;
      this.check = opts.check || null;
      this.onDenied = opts.onDenied || (() => {});
      this.state = opts.state || new ScreenState();
      this.onChange = opts.onChange || (() => {});
      this.onStatus = opts.onStatus || (() => {});
      this.log = opts.log || console;
      this.now = opts.now || (() => Date.now());
      this.timers = opts.timers || { set: (f, ms) => setTimeout(f, ms), clear: (t) => clearTimeout(t) };
      this.ws = null;
      this.synced = false; // a snapshot or resume arrived on this socket
      this.attempt = 0;
      this.retryTimer = null;
      this.watchTimer = null;
      this.status = 'idle';
      this.retryAt = 0;
      this.lastDataAt = 0; // when the last snapshot/resume/delta arrived
      this.needSnapshot = false;
      this.counts = { snapshots: 0, resumes: 0, gaps: 0, malformed: 0, connects: 0 };
    }

    start() {
      this.stopped = false;
      this.connect(this.state.seq);
    }

    stop() {
      this.stopped = true;
      this.timers.clear(this.retryTimer);
      this.drop();
      this.setStatus('idle');
    }

    connect(since) {
      this.retryTimer = null;
      this.synced = false;
      this.counts.connects++;
      let ws;
      try {
        ws = new this.WebSocket(this.url(since));
      } catch (err) {
        this.log.error('screen: cannot open websocket', err);
        this.retry();
        return;
      }
      this.ws = ws;
      ws.onmessage = (ev) => { if (this.ws === ws) this.frame(ev.data); };
      ws.onclose = (ev) => {
        if (this.ws !== ws) return;
        this.log.warn('screen: websocket closed', ev && ev.code, ev && ev.reason);
        const synced = this.synced;
        this.ws = null;
        if (!synced && this.check) this.checkAccess();
        else this.retry();
      };
      ws.onerror = () => {}; // a close event always follows
      this.setStatus('connecting');
      this.watch(CONNECT_TIMEOUT_MS);
    }

    // drop forgets the current socket so that its late events are ignored.
    drop() {
      const ws = this.ws;
      this.ws = null;
      this.synced = false;
      this.timers.clear(this.watchTimer);
      if (!ws) return;
      ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch (_) { /* already closing */ }
    }

    // checkAccess runs after a socket that never synced: see the class doc.
    async checkAccess() {
      this.drop();
      this.setStatus('retrying');
      let v = null;
      try {
        v = await this.check();
      } catch (err) {
        v = null;
      }
      if (this.stopped || this.ws || this.retryTimer) return; // stopped or restarted meanwhile
      const status = v && v.status;
      if (status === 401) {
        this.log.warn('screen: the hub wants an access token; not reconnecting');
        this.setStatus('unauthorized');
        this.onDenied(v);
        return;
      }
      if (status === 403) {
        this.onDenied(v);
        return this.retry(false, DENIED_RETRY_MS);
      }
      this.retry();
    }

    retry(fresh, wait) {
      this.drop();
      if (this.stopped) return;
      const delay = wait || backoffDelay(this.attempt++);
      // Once a resume has gone wrong, ask for a snapshot until one arrives.
      if (fresh) this.needSnapshot = true;
      const since = this.needSnapshot ? null : this.state.seq;
      this.retryAt = this.now() + delay;
      this.setStatus('retrying');
      this.timers.clear(this.retryTimer);
      this.retryTimer = this.timers.set(() => this.connect(since), delay);
    }

    // watch (re)arms the watchdog: before sync it bounds the connect time;
    // after, it fires once lastDataAt is older than STALL_MS. Deltas only bump
    // lastDataAt, so thousands a second cost no timer churn.
    watch(ms) {
      this.timers.clear(this.watchTimer);
      this.watchTimer = this.timers.set(() => {
        const idle = this.now() - this.lastDataAt;
        if (this.synced && idle < STALL_MS) return this.watch(STALL_MS - idle);
        this.log.warn('screen: stream stalled, reconnecting');
        this.retry();
      }, ms);
    }

    setStatus(s) {
      this.status = s;
      this.onStatus(s);
    }

    frame(text) {
      let msg;
      try {
        msg = JSON.parse(text);
      } catch (err) {
        return this.malformed('not JSON', text);
      }
      if (!isObject(msg) || typeof msg.type !== 'string') return this.malformed('no type', text);
      switch (msg.type) {
        case 'snapshot': return this.snapshot(msg, text);
        case 'resume': return this.resume(msg, text);
        case 'delta': return this.delta(msg, text);
      }
      this.log.info('screen: ignoring frame type', msg.type);
    }

    malformed(why, text) {
      this.counts.malformed++;
      this.log.warn('screen: malformed frame skipped:', why, String(text).slice(0, 200));
    }

    snapshot(msg, text) {
      if (!isSeq(msg.seq)) return this.malformed('snapshot without seq', text);
      this.state.replace(msg.entities, msg.seq);
      this.needSnapshot = false;
      this.counts.snapshots++;
      this.synchronised();
      this.onChange('snapshot');
    }

    resume(msg, text) {
      if (!isSeq(msg.seq)) return this.malformed('resume without seq', text);
      if (msg.seq !== this.state.seq) {
        // The server resumed from a point we did not ask for: start afresh.
        this.log.warn('screen: resume at', msg.seq, 'but last applied is', this.state.seq);
        return this.retry(true);
      }
      this.counts.resumes++;
      this.synchronised();
      this.onChange('resume');
    }

    synchronised() {
      this.synced = true;
      this.attempt = 0;
      this.lastDataAt = this.now();
      this.watch(STALL_MS);
      this.setStatus('open');
    }

    delta(msg, text) {
      if (!isSeq(msg.seq)) return this.malformed('delta without seq', text);
      if (!this.synced) {
        this.log.warn('screen: delta before snapshot, reconnecting');
        return this.retry(true);
      }
      if (msg.seq <= this.state.seq) return; // already applied
      if (msg.seq !== this.state.seq + 1) {
        this.counts.gaps++;
        this.log.warn('screen: gap after seq', this.state.seq, 'got', msg.seq);
        return this.retry();
      }
      // An in-sequence delta is applied even when its payload is unusable:
      // refusing it would only bring the same frame back on every resume.
      if ((msg.op === 'upsert' || msg.op === 'patch') && !isObject(msg.data)) this.malformed(msg.op + ' without data', text);
      this.state.apply(msg);
      this.lastDataAt = this.now();
      this.onChange('delta', msg.entity);
    }
  }

  return { ScreenState, ScreenStream, backoffDelay, streamURL, BACKOFF_MS, STALL_MS, DENIED_RETRY_MS };
});
