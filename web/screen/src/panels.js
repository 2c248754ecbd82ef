// panels.js — the HTML side of the screen: KPI tiles, severity grid, device
// kinds table, active-alarm list and the map legend. Each render reads the
// ScreenState and rewrites its own elements; nothing here holds state.
(function (root, factory) {
  root.HubScreen = Object.assign(root.HubScreen || {}, factory(root.HubScreen));
})(self, function (L) {
  'use strict';

  const MAX_ALARM_ROWS = 40;
  const $ = (id) => document.getElementById(id);

  const lastHTML = new Map();

  // setHTML skips the DOM when a panel's markup has not changed.
  function setHTML(id, html) {
    if (lastHTML.get(id) === html) return;
    lastHTML.set(id, html);
    $(id).innerHTML = html;
  }

  function setText(id, text) {
    const el = $(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function count(n) {
    return Number.isFinite(n) ? Math.round(n).toLocaleString('zh-CN') : '—';
  }

  // shapeSVG draws an ECharts built-in symbol for the HTML legend and table.
  function shapeSVG(symbol, color, size) {
    const s = size || 18;
    const shapes = {
      triangle: '<polygon points="9,1 17,16 1,16"/>',
      rect: '<rect x="2" y="2" width="14" height="14"/>',
      circle: '<circle cx="9" cy="9" r="7.5"/>',
      diamond: '<polygon points="9,0.5 17,9 9,17.5 1,9"/>',
      pin: '<path d="M9 17 C4 11 3 9 3 7 A6 6 0 0 1 15 7 C15 9 14 11 9 17 Z"/>',
    };
    return `<svg class="shape" width="${s}" height="${s}" viewBox="0 0 18 18" fill="${color}">${shapes[symbol] || shapes.circle}</svg>`;
  }

  // summarise counts devices and alarms once per render for every panel.
  function summarise(state) {
    const kinds = new Map();
    let online = 0;
    for (const d of state.devices.values()) {
      const k = L.KINDS[d.kind] ? d.kind : 'other';
      const row = kinds.get(k) || { total: 0, online: 0, alarmed: 0 };
      row.total++;
      if (d.online) { row.online++; online++; }
      if (L.severityRank(d.alarm_severity) > 0) row.alarmed++;
      kinds.set(k, row);
    }
    const bySeverity = Object.fromEntries(L.SEVERITIES.map((s) => [s.id, 0]));
    for (const a of state.alarms.values()) if (bySeverity[a.severity] !== undefined) bySeverity[a.severity]++;
    return { total: state.devices.size, online, kinds, bySeverity, alarms: state.alarms.size };
  }

  // Before the first snapshot the counts are unknown, not zero.
  function renderKPIs(sum, stats, known) {
    setText('kpi-devices', known ? count(sum.total) : '—');
    setText('kpi-online', known ? count(sum.online) : '—');
    const pct = sum.total ? (100 * sum.online) / sum.total : NaN;
    setText('kpi-online-pct', Number.isFinite(pct) ? pct.toFixed(1) + '%' : '—');
    $('kpi-online-bar').style.width = (Number.isFinite(pct) ? pct : 0) + '%';
    setText('kpi-alarms', known ? count(sum.alarms) : '—');
    const s = stats || {};
    setText('kpi-rate', Number.isFinite(s.readings_per_s) ? L.formatNumber(s.readings_per_s, s.readings_per_s < 100 ? 1 : 0) : '—');
    setText('kpi-total', count(s.readings_total));
    setText('kpi-dead', count(s.deadletters_total));
    setText('kpi-ts', s.ts ? L.formatTime(s.ts) : '—');
  }

  function renderSeverities(sum) {
    const grid = $('sev-grid');
    if (!grid.childElementCount) {
      grid.innerHTML = L.SEVERITIES.map((s) =>
        `<div class="sev-tile" style="--sev:${s.color}"><span class="sev-name">${s.label}</span>` +
        `<span class="sev-num" id="sev-${s.id}">0</span></div>`).join('');
    }
    for (const s of L.SEVERITIES) {
      setText('sev-' + s.id, count(sum.bySeverity[s.id]));
      $('sev-' + s.id).parentElement.classList.toggle('is-zero', !sum.bySeverity[s.id]);
    }
  }

  function renderKinds(sum) {
    const ids = Object.keys(L.KINDS).concat(sum.kinds.has('other') ? ['other'] : []);
    const html = ids.map((id) => {
      const k = L.kindInfo(id === 'other' ? '' : id);
      const r = sum.kinds.get(id) || { total: 0, online: 0, alarmed: 0 };
      return `<tr><td>${shapeSVG(k.symbol, k.color)}<span>${L.escapeHTML(k.label)}</span></td>` +
        `<td class="num"><b>${count(r.online)}</b> / ${count(r.total)}</td>` +
        `<td class="num${r.alarmed ? ' is-alarm' : ''}">${count(r.alarmed)}</td></tr>`;
    }).join('');
    setHTML('kinds-body', html);
  }

  function lastSeenMs(a) {
    const t = Date.parse(a.last_seen);
    return Number.isNaN(t) ? 0 : t;
  }

  function valueLine(a, kind) {
    if (!a.metric) return L.escapeHTML(a.message || '');
    const v = L.formatMetric(kind, a.metric, a.value);
    const th = L.formatMetric(kind, a.metric, a.threshold);
    return `${L.escapeHTML(L.metricLabel(kind, a.metric))} <b>${L.escapeHTML(v)}</b> / 阈值 ${L.escapeHTML(th)}`;
  }

  function alarmRow(a, state, regionName, now) {
    const sev = L.SEVERITY[a.severity] || { label: a.severity || '告警', color: '#ff3b3b' };
    const dev = state.devices.get(String(a.source)) || {};
    const kind = a.kind || dev.kind;
    const region = regionName(a.region_code) || dev.region_name || a.region_code || '';
    const tags = (a.count > 1 ? `<span class="tag">×${count(a.count)}</span>` : '') +
      (a.acked ? '<span class="tag tag-ack">已确认</span>' : '');
    return `<li class="alarm" style="--sev:${sev.color}">` +
      `<span class="badge">${L.escapeHTML(sev.label)}</span>` +
      `<div class="alarm-body"><div class="alarm-head"><b class="alarm-label">${L.escapeHTML(a.label || a.type || '告警')}</b>${tags}` +
      `<time>${L.escapeHTML(L.formatTime(a.last_seen, now))}</time></div>` +
      `<div class="alarm-where"><span class="alarm-dev">${L.escapeHTML(dev.name || a.source || '')}</span>` +
      `<span class="alarm-region">${L.escapeHTML(region)}</span></div>` +
      `<div class="alarm-value">${valueLine(a, kind)}</div></div></li>`;
  }

  function renderAlarms(state, regionName) {
    const alarms = Array.from(state.alarms.values()).sort((x, y) => lastSeenMs(y) - lastSeenMs(x));
    const now = new Date();
    const html = alarms.slice(0, MAX_ALARM_ROWS).map((a) => alarmRow(a, state, regionName, now)).join('');
    setHTML('alarm-list', html);
    setText('alarm-count', count(alarms.length));
    $('alarm-empty').hidden = alarms.length > 0;
    setText('alarm-empty', state.seq === null ? '等待数据…' : '暂无活跃告警');
    const more = alarms.length - MAX_ALARM_ROWS;
    setText('alarm-more', more > 0 ? `另有 ${count(more)} 条告警未显示` : '');
  }

  function renderLegend() {
    const kinds = Object.values(L.KINDS).map((k) => `<li>${shapeSVG(k.symbol, k.color)}${L.escapeHTML(k.short)}</li>`);
    const status = [`<li>${shapeSVG('circle', L.OFFLINE_COLOR)}离线</li>`]
      .concat(L.SEVERITIES.map((s) => `<li><i class="pulse" style="--sev:${s.color}"></i>${s.label}</li>`));
    // Two columns of five: kinds (padded) beside statuses.
    while (kinds.length < 5) kinds.push('<li></li>');
    $('legend').innerHTML = kinds.concat(status).join('');
  }

  function renderPanels(state, regionName) {
    const sum = summarise(state);
    renderKPIs(sum, state.stats, state.seq !== null);
    renderSeverities(sum);
    renderKinds(sum);
    renderAlarms(state, regionName);
  }

  return { renderPanels, renderLegend, summarise };
});
