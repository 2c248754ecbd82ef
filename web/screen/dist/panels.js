// panels.js — the HTML side of the screen: KPI tiles, severity grid, online
// rates by kind, incidents, the active-alarm list and the map legend. Each
// render reads the ScreenState and rewrites its own elements; nothing here
// holds state. The environment panels (AQI, water) are in envpanels.js.
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
    const online = L.onlineRows(state.online, state.devices, Object.keys(L.KINDS));
    const bySeverity = Object.fromEntries(L.SEVERITIES.map((s) => [s.id, 0]));
    for (const a of state.alarms.values()) if (bySeverity[a.severity] !== undefined) bySeverity[a.severity]++;
    return {
      total: online.all.total, online: online.all.online, rate: online.all.rate, onlineRows: online,
      bySeverity, alarms: state.alarms.size, incidents: state.incidents.size,
    };
  }

  // Before the first snapshot the counts are unknown, not zero.
  function renderKPIs(sum, stats, known) {
    setText('kpi-devices', known ? count(sum.total) : '—');
    setText('kpi-online', known ? count(sum.online) : '—');
    setText('kpi-online-pct', known ? L.formatRate(sum.rate) : '—');
    $('kpi-online-bar').style.width = (known && sum.rate !== null ? sum.rate * 100 : 0) + '%';
    setText('kpi-alarms', known ? count(sum.alarms) : '—');
    setText('kpi-incidents', known ? count(sum.incidents) : '—');
    const s = stats || {};
    setText('kpi-rate', Number.isFinite(s.readings_per_s) ? L.formatNumber(s.readings_per_s, s.readings_per_s < 100 ? 1 : 0) : '—');
    setText('kpi-total', count(s.readings_total));
    setText('kpi-dead', count(s.deadletters_total));
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

  function onlineCell(label, icon, c, known) {
    const pct = c.rate === null ? 0 : c.rate * 100;
    return `<div class="online-cell ${L.rateClass(c.rate)}">` +
      `<div class="online-name">${icon}<span>${L.escapeHTML(label)}</span></div>` +
      `<div class="online-rate">${known ? L.formatRate(c.rate) : '—'}</div>` +
      `<div class="online-sub"><span><b>${known ? count(c.online) : '—'}</b>/${known ? count(c.total) : '—'}</span>` +
      (c.alarmed ? `<span class="online-alarm" title="告警设备">${count(c.alarmed)}</span>` : '') + '</div>' +
      `<span class="rate-bar"><i style="width:${pct.toFixed(1)}%"></i></span></div>`;
  }

  // renderOnline: overall and per-kind online rate (the hub's online entity).
  function renderOnline(sum, known) {
    const rows = sum.onlineRows;
    const kinds = rows.kinds.filter((r) => L.KINDS[r.kind] || r.total > 0);
    const html = onlineCell('全部设备', '<i class="online-all"></i>', rows.all, known) + kinds.map((r) => {
      const k = L.kindInfo(r.kind);
      return onlineCell(k.short, shapeSVG(k.symbol, k.color), r, known);
    }).join('');
    $('online-grid').style.setProperty('--cells', String(kinds.length + 1));
    setHTML('online-grid', html);
  }

  // ---- incidents

  const MAX_INCIDENT_ROWS = 2;

  function incidentRow(r, now) {
    const sev = L.SEVERITY[r.severity] || { label: r.severity || '事件', color: '#ff3b3b' };
    const c = r.categoryInfo;
    const members = `告警 <b>${count(r.alarms)}</b> 条` + (r.sources > 1 ? ` · 设备 <b>${count(r.sources)}</b> 台` : '');
    return `<li class="incident cat-${L.escapeHTML(r.category)}" style="--sev:${sev.color};--cat:${c.color}">` +
      `<span class="badge">${L.escapeHTML(sev.label)}</span>` +
      `<div class="alarm-body"><div class="alarm-head"><b class="alarm-label">${L.escapeHTML(r.title)}</b>` +
      `<time>${L.escapeHTML(L.formatTime(r.last_seen || r.first_seen, now))}</time></div>` +
      `<div class="incident-meta"><span class="chip chip-cat">${L.escapeHTML(c.label)}</span>` +
      `<span class="chip chip-method m-${L.escapeHTML(r.method)}">${L.escapeHTML(r.methodLabel)}</span>` +
      `<span class="incident-members">${members}</span></div></div></li>`;
  }

  function renderIncidents(state) {
    const rows = L.incidentRows(state.incidents);
    const now = new Date();
    setHTML('incident-list', rows.slice(0, MAX_INCIDENT_ROWS).map((r) => incidentRow(r, now)).join(''));
    setText('incident-count', count(rows.length));
    $('incident-count').classList.toggle('is-zero', !rows.length);
    $('incident-empty').hidden = rows.length > 0;
    $('incident-empty').classList.toggle('is-good', state.seq !== null);
    setText('incident-empty', state.seq === null ? '等待数据…' : '暂无研判事件');
    const more = rows.length - MAX_INCIDENT_ROWS;
    setText('incident-more', more > 0 ? `另有 ${count(more)} 起未显示` : '');
  }

  // ---- alarms

  function valueLine(a, kind) {
    if (!a.metric) return L.escapeHTML(a.message || '');
    const v = L.formatMetric(kind, a.metric, a.value);
    const th = L.formatMetric(kind, a.metric, a.threshold);
    return `${L.escapeHTML(L.metricLabel(kind, a.metric))} <b>${L.escapeHTML(v)}</b> / 阈值 ${L.escapeHTML(th)}`;
  }

  function alarmRow(a, state, regionName, now, comments) {
    const sev = L.SEVERITY[a.severity] || { label: a.severity || '告警', color: '#ff3b3b' };
    const dev = state.devices.get(String(a.source)) || {};
    const kind = a.kind || dev.kind;
    const cat = L.alarmCategory(a, state.devices);
    const c = L.categoryInfo(cat);
    const region = regionName(a.region_code) || dev.region_name || a.region_code || '';
    const notes = comments.get(String(a.id)) || [];
    const tags = (a.count > 1 ? `<span class="tag">×${count(a.count)}</span>` : '') +
      (a.acked ? '<span class="tag tag-ack">已确认</span>' : '') +
      (notes.length ? `<span class="tag tag-note">批注 ${count(notes.length)}</span>` : '');
    const pinned = L.isPinned(a, state.devices);
    const cls = 'alarm' + (pinned ? ' is-pinned' : '') + (pinned && L.severityRank(a.severity) >= L.severityRank('critical') ? ' is-urgent' : '');
    const who = a.assignee ? `<span class="alarm-assignee">处置 ${L.escapeHTML(a.assignee)}</span>` : '';
    const last = notes.length ? notes[notes.length - 1] : null;
    const note = last ? `<span class="alarm-note">${L.escapeHTML(last.by || '')}：${L.escapeHTML(last.text || '')}</span>` : '';
    return `<li class="${cls}" style="--sev:${sev.color};--cat:${c.color}">` +
      `<span class="badge">${L.escapeHTML(sev.label)}</span>` +
      `<div class="alarm-body"><div class="alarm-head"><span class="chip chip-cat">${L.escapeHTML(c.short)}</span>` +
      `<b class="alarm-label">${L.escapeHTML(a.label || a.type || '告警')}</b>${tags}` +
      `<time>${L.escapeHTML(L.formatTime(a.last_seen, now))}</time></div>` +
      `<div class="alarm-where"><span class="alarm-dev">${L.escapeHTML(dev.name || a.source || '')}</span>` +
      `<span class="alarm-region">${L.escapeHTML(region)}</span></div>` +
      `<div class="alarm-value">${who || note ? who + note : valueLine(a, kind)}</div></div></li>`;
  }

  function renderAlarms(state, regionName) {
    const alarms = L.orderAlarms(state.alarms, state.devices);
    const comments = L.commentsByAlarm(state.comments);
    const now = new Date();
    const html = alarms.slice(0, MAX_ALARM_ROWS).map((a) => alarmRow(a, state, regionName, now, comments)).join('');
    setHTML('alarm-list', html);
    setText('alarm-count', count(alarms.length));
    $('alarm-empty').hidden = alarms.length > 0;
    setText('alarm-empty', state.seq === null ? '等待数据…' : '暂无活跃告警');
    const more = alarms.length - MAX_ALARM_ROWS;
    setText('alarm-more', more > 0 ? `另有 ${count(more)} 条告警未显示` : '');
  }

  // The legend: device kinds and cases; statuses (offline, alarms by
  // severity, env colours, overdue cases); incident marks. Three columns of
  // five, drawn as small SVGs.
  function renderLegend() {
    const svg = (w, body) => `<svg class="shape" width="${w}" height="18" viewBox="0 0 ${w} 18">${body}</svg>`;
    const kinds = Object.values(L.KINDS).slice(0, 4).map((k) => `<li>${shapeSVG(k.symbol, k.color)}${L.escapeHTML(k.short)}</li>`);
    const dots = L.SEVERITIES.map((s, i) => `<circle cx="${6 + i * 13}" cy="9" r="5.5" fill="${s.color}"/>`).join('');
    const env = ['#00E400', '#FFFF00', '#FF7E00', '#FF0000'].map((c, i) => `<rect x="${i * 7}" y="3" width="7" height="12" fill="${c}"/>`).join('');
    const status = [
      `<li>${shapeSVG('circle', L.OFFLINE_COLOR)}离线</li>`,
      `<li>${svg(52, dots)}告警 (红橙黄蓝)</li>`,
      `<li>${svg(28, env)}AQI / 水质类别</li>`,
      `<li>${svg(18, '<circle cx="9" cy="9" r="7" fill="none" stroke="#ff8a1f" stroke-width="2.5"/>')}研判事件</li>`,
    ];
    const marks = [
      `<li><svg class="shape" width="18" height="18" viewBox="0 0 24 24"><path d="${L.FIRE_PATH}" fill="#ff6a2b"/></svg>火情点</li>`,
      `<li>${svg(22, '<path d="M1 16 L21 2" stroke="#ff9a3d" stroke-width="3"/>')}交汇方位线</li>`,
      `<li>${svg(22, '<path d="M1 16 L21 2" stroke="#ffc53d" stroke-width="3" stroke-dasharray="4 3"/>')}单站方位线</li>`,
      `<li>${svg(18, '<path d="M9 2 L16 16 L2 16 Z" fill="#3ee08f" stroke="#fff" stroke-width="1.5"/>')}观测塔</li>`,
    ];
    const pin = (c, x) => `<path transform="translate(${x} 0) scale(0.75)" d="${L.CASE_PIN}" fill="${c}" stroke="#fff" stroke-width="1.5"/>`;
    const pins = ['reported', 'dispatched', 'accepted', 'resolved'].map((s, i) => pin(L.caseStateInfo(s).color, i * 14)).join('');
    while (kinds.length < 4) kinds.push('<li></li>');
    // Cases close the first two columns: what is on the map, and its status.
    kinds.push(`<li>${svg(58, pins)}案件 (按状态)</li>`);
    status.push(`<li>${svg(18, pin('#ff9a3d', 0).replace('stroke="#fff" stroke-width="1.5"', 'stroke="#ff3b3b" stroke-width="3"'))}超期案件</li>`);
    $('legend').innerHTML = kinds.concat(status, marks).join('');
  }

  function renderPanels(state, regionName) {
    const sum = summarise(state);
    const known = state.seq !== null;
    renderKPIs(sum, state.stats, known);
    renderSeverities(sum);
    renderOnline(sum, known);
    renderIncidents(state);
    renderAlarms(state, regionName);
    if (L.renderEnvPanels) L.renderEnvPanels(state);
    if (L.renderCasePanels) L.renderCasePanels(state);
  }

  return { renderPanels, renderLegend, summarise, shapeSVG, setHTML, setText };
});
