// app.js — boots the big screen: scales the 1920×1080 stage to the display,
// loads the region map, the profiles' labels and the agencies' names, runs
// the /ws/screen stream
// and redraws at most four times a second however fast deltas arrive.
// window.__screen and body[data-map-ready] are the hooks the hub's browser
// tests poll. The access token (auth.js) goes with every request and the
// WebSocket.
(function () {
  'use strict';

  const H = window.HubScreen;
  const A = window.HubAuth;
  const BASE_W = 1920;
  const BASE_H = 1080;
  const MIN_FRAME_MS = 250; // at most 4 redraws per second
  const FRESH_MS = 5000; // data older than this turns the indicator red
  const base = (document.querySelector('meta[name="hub-base"]') || {}).content || '/';
  const $ = (id) => document.getElementById(id);

  const state = new H.ScreenState();
  const debug = {
    seq: null, connected: false, devices: 0, alarms: 0, incidents: 0, cases: 0, plans: 0, mapReady: false, applied: 0,
    status: 'idle', snapshots: 0, resumes: 0, gaps: 0, malformed: 0, connects: 0, lastDataAt: 0, fresh: false,
    resumedFrom: null, // the seq the last resume continued from
  };
  window.__screen = debug;

  // ---- stage: a fixed 1080-high (or 1920-wide) canvas scaled to the viewport.
  // Wider displays (LED walls) get a wider stage, so the map column grows
  // instead of the whole screen being letterboxed.
  let stageScale = 1;

  function fitStage() {
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const wide = vw / vh >= BASE_W / BASE_H;
    stageScale = wide ? vh / BASE_H : vw / BASE_W;
    const stage = $('stage');
    stage.style.width = (wide ? vw / stageScale : BASE_W) + 'px';
    stage.style.height = (wide ? BASE_H : vh / stageScale) + 'px';
    stage.style.transform = `scale(${stageScale})`;
  }

  function chartDPR() {
    return Math.min(4, Math.max(1, (window.devicePixelRatio || 1) * stageScale));
  }

  // ---- map
  const map = new H.LeagueMap($('map'), {
    state,
    onReady: () => {
      debug.mapReady = true;
      document.body.dataset.mapReady = '1';
      $('map-msg').hidden = true;
      invalidate();
    },
  });

  const focus = new H.FocusInset($('focus'), $('focus-map'), { state });

  // getJSON fetches below the base with the access token. A 401 has put up
  // the token prompt and a 403 shows the hub's reason; neither is retried.
  async function getJSON(path) {
    const res = await A.fetch(base + path, { cache: 'no-cache' });
    if (res.ok) return res.json();
    const err = new Error('HTTP ' + res.status);
    err.final = res.status === 401 || res.status === 403;
    if (res.status === 403) {
      let body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      A.notice('无权限：' + (A.errorInfo(body).message || path));
    }
    throw err;
  }

  async function loadRegions(attempt) {
    try {
      map.setRegions(await getJSON('api/v1/regions.geojson'));
      map.mount(chartDPR());
      focus.mount(chartDPR());
      invalidate();
    } catch (err) {
      console.error('screen: cannot load regions', err);
      if (err.final) {
        $('map-msg').textContent = '地图数据无权访问';
        return;
      }
      $('map-msg').textContent = '地图数据加载失败，正在重试…';
      setTimeout(() => loadRegions(attempt + 1), H.backoffDelay(attempt));
    }
  }

  // ---- labels and units of metrics and derived values, from the profiles.
  // The page has its own for the demo's kinds; this adds whatever a newer
  // profile declares. A failure only costs raw metric names, so it retries
  // a few times and then gives up.
  async function loadProfiles(attempt) {
    try {
      if (H.mergeProfiles(H.KINDS, await getJSON('api/v1/profiles'))) invalidate();
    } catch (err) {
      if (attempt < 4 && !err.final) setTimeout(() => loadProfiles(attempt + 1), H.backoffDelay(attempt));
      else console.warn('screen: no profiles, metric names stay raw', err);
    }
  }

  // ---- agency names for cases (case.agency_id), as loadProfiles: without
  // them the ids show.
  async function loadAgencies(attempt) {
    try {
      if (H.mergeAgencies(await getJSON('api/v1/agencies'))) invalidate();
    } catch (err) {
      if (attempt < 4 && !err.final) setTimeout(() => loadAgencies(attempt + 1), H.backoffDelay(attempt));
      else console.warn('screen: no agencies, cases show agency ids', err);
    }
  }

  // ---- redraw scheduling
  let scheduled = false;
  let mapDirty = true;
  let lastFrame = 0;

  // invalidate schedules a redraw; stats-only changes leave the map alone.
  function invalidate(mapToo) {
    if (mapToo !== false) mapDirty = true;
    if (scheduled) return;
    scheduled = true;
    const wait = Math.max(0, lastFrame + MIN_FRAME_MS - performance.now());
    setTimeout(() => requestAnimationFrame(draw), wait);
  }

  function draw() {
    scheduled = false;
    lastFrame = performance.now();
    try {
      H.renderPanels(state, (code) => map.regionName(code));
      if (mapDirty && map.ready) {
        mapDirty = false;
        map.render();
        focus.render();
        map.setInset(!focus.box.hidden);
      }
    } catch (err) {
      console.error('screen: render failed', err);
    }
  }

  // ---- stream
  // Entities that change only the panels, never the map.
  const PANEL_ONLY = new Set(['stats', 'online', 'kpi', 'plan']);

  const stream = new H.ScreenStream({
    state,
    WebSocket: window.WebSocket,
    url: (since) => A.wsURL(H.streamURL(window.location, base, since)),
    // Why a handshake failed: the same route asked over plain HTTP.
    check: () => A.probe(base + 'ws/screen'),
    onDenied: (v) => {
      if (v.status === 403) A.notice('无权限查看大屏：' + (v.message || '令牌的角色不能访问实时数据'));
      renderConnection();
    },
    onChange: (kind, entity) => {
      if (kind === 'resume') debug.resumedFrom = state.seq;
      syncDebug();
      invalidate(kind !== 'delta' || !PANEL_ONLY.has(entity));
    },
    onStatus: (s) => {
      syncDebug();
      renderConnection();
    },
  });

  // For the browser tests: close the socket as a network failure would; the
  // stream reconnects with ?since= as it does after any close.
  Object.defineProperty(debug, 'closeSocket', {
    value: () => { if (stream.ws) stream.ws.close(); },
  });

  function syncDebug() {
    debug.seq = state.seq;
    debug.connected = stream.status === 'open';
    debug.status = stream.status;
    debug.devices = state.devices.size;
    debug.alarms = state.alarms.size;
    debug.incidents = state.incidents.size;
    debug.cases = state.cases.size;
    debug.plans = state.plans.size;
    debug.applied = state.applied;
    debug.lastDataAt = stream.lastDataAt;
    Object.assign(debug, stream.counts);
    document.body.dataset.conn = stream.status;
  }

  // ---- header: clock, freshness, connection
  const WEEKDAYS = '日一二三四五六';

  function renderClock(now) {
    const p = H.pad2;
    $('clock-time').textContent = `${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
    $('clock-date').textContent = `${now.getFullYear()}年${p(now.getMonth() + 1)}月${p(now.getDate())}日 星期${WEEKDAYS[now.getDay()]}`;
  }

  function setIndicator(id, cls, text) {
    const el = $(id);
    el.className = 'indicator ' + cls;
    el.lastElementChild.textContent = text;
  }

  function renderFreshness(now) {
    const at = stream.lastDataAt;
    const age = now - at;
    debug.fresh = at > 0 && age < FRESH_MS;
    document.body.dataset.fresh = debug.fresh ? '1' : '0';
    if (!at) return setIndicator('fresh', 'is-bad', '数据中断');
    const secs = Math.floor(age / 1000);
    if (debug.fresh) return setIndicator('fresh', 'is-good', secs < 1 ? '数据实时' : `数据实时 · ${secs} 秒前`);
    setIndicator('fresh', 'is-bad', `数据中断 · ${secs < 120 ? secs + ' 秒' : Math.floor(secs / 60) + ' 分钟'}`);
  }

  function renderConnection() {
    switch (stream.status) {
      case 'open': return setIndicator('conn', 'is-good', '已连接');
      case 'retrying': {
        const secs = Math.max(0, Math.ceil((stream.retryAt - Date.now()) / 1000));
        return setIndicator('conn', 'is-bad', `连接中断/重连中${secs ? ` ${secs}s` : ''}`);
      }
      case 'connecting': return setIndicator('conn', 'is-warn', stream.counts.connects > 1 ? '连接中断/重连中' : '连接中…');
      case 'unauthorized': return setIndicator('conn', 'is-bad', '未授权 · 需要访问令牌');
      default: return setIndicator('conn', 'is-warn', '未连接');
    }
  }

  function tick() {
    const now = new Date();
    renderClock(now);
    renderFreshness(now.getTime());
    renderConnection();
  }

  // ---- boot
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      fitStage();
      map.mount(chartDPR());
      if (map.regions) focus.mount(chartDPR());
    }, 150);
  });

  // The map's box changes without a window resize when the panels beside
  // it fill; its chart follows (ResizeObserver reports layout, not scaled, px).
  if (window.ResizeObserver) new ResizeObserver(() => map.resize()).observe($('map'));

  fitStage();
  H.renderLegend();
  draw();
  tick();
  setInterval(tick, 500);
  loadRegions(0);
  loadProfiles(0);
  loadAgencies(0);
  stream.start();
})();
