// labels.js — Chinese labels, colours and number formatting for the screen,
// the case states of the dispatch loop and the agencies' names.
// Device kinds and metrics mirror the profiles in devices/*.yaml; a metric or
// kind missing here is still shown, under its raw key, so a new profile never
// breaks the page.
(function (root, factory) {
  const m = factory();
  if (typeof module === 'object' && module.exports) module.exports = m;
  else root.HubScreen = Object.assign(root.HubScreen || {}, m);
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  // Alarm severities, most severe first: the national 红橙黄蓝 warning colours.
  const SEVERITIES = [
    { id: 'critical', label: '特别严重', color: '#ff3b3b' },
    { id: 'major', label: '严重', color: '#ff8a1f' },
    { id: 'minor', label: '一般', color: '#ffd23f' },
    { id: 'warning', label: '提示', color: '#3d8bff' },
  ];
  const SEVERITY = Object.fromEntries(SEVERITIES.map((s, i) => [s.id, { ...s, rank: SEVERITIES.length - i }]));

  function severityRank(id) {
    return SEVERITY[id] ? SEVERITY[id].rank : 0;
  }

  const OFFLINE_COLOR = '#6b7785';

  // symbol: an ECharts built-in symbol name, also drawn in the HTML legend.
  const KINDS = {
    firecam: {
      label: '森林防火瞭望', short: '防火瞭望', color: '#3ee08f', symbol: 'triangle',
      metrics: {
        pan_deg: { label: '水平角', unit: '°' },
        tilt_deg: { label: '俯仰角', unit: '°' },
        housing_temp_c: { label: '机箱温度', unit: '°C' },
        supply_v: { label: '供电电压', unit: 'V' },
      },
    },
    elevator: {
      label: '电梯', short: '电梯', color: '#b78cff', symbol: 'rect',
      metrics: {
        floor: { label: '楼层', unit: '层' },
        direction: { label: '运行方向', enum: { 0: '停止', 1: '上行', '-1': '下行' } },
        door_open: { label: '开门', enum: { 0: '否', 1: '是' } },
        speed_ms: { label: '速度', unit: 'm/s' },
        running: { label: '运行中', enum: { 0: '否', 1: '是' } },
        person_present: { label: '轿厢有人', enum: { 0: '否', 1: '是' } },
        service_mode: { label: '服务模式', enum: { 0: '正常', 1: '检修', 2: '消防', 3: '停用' } },
      },
    },
    hydrology: {
      label: '水文站', short: '水文站', color: '#29d3f5', symbol: 'circle',
      metrics: {
        water_level_m: { label: '水位', unit: 'm' },
        rain_mm: { label: '时段降水量', unit: 'mm' },
        flow_m3s: { label: '流量', unit: 'm³/s' },
        supply_v: { label: '供电电压', unit: 'V' },
        // derived by the hub from the samples
        rain_1h: { label: '1小时降水量', unit: 'mm' },
        rain_3h: { label: '3小时降水量', unit: 'mm' },
        rain_24h: { label: '24小时降水量', unit: 'mm' },
        level_rise_mh: { label: '水位涨率', unit: 'm/h' },
      },
    },
    pollution: {
      label: '环境监测站', short: '环境监测', color: '#e8f06a', symbol: 'diamond',
      metrics: {
        pm25_ugm3: { label: 'PM2.5', unit: 'μg/m³' },
        pm10_ugm3: { label: 'PM10', unit: 'μg/m³' },
        so2_ugm3: { label: 'SO₂', unit: 'μg/m³' },
        no2_ugm3: { label: 'NO₂', unit: 'μg/m³' },
        o3_ugm3: { label: 'O₃', unit: 'μg/m³' },
        co_mgm3: { label: 'CO', unit: 'mg/m³' },
        cod_mgl: { label: '化学需氧量', unit: 'mg/L' },
        nh3n_mgl: { label: '氨氮', unit: 'mg/L' },
        tp_mgl: { label: '总磷', unit: 'mg/L' },
        do_mgl: { label: '溶解氧', unit: 'mg/L' },
        ph: { label: 'pH' },
        flow_m3h: { label: '排放流量', unit: 'm³/h' },
        aqi: { label: 'AQI' },
        water_class: { label: '水质类别' },
      },
    },
  };
  const OTHER_KIND = { label: '其他设备', short: '其他', color: '#d0d8e0', symbol: 'pin', metrics: {} };

  // Alarm and incident categories (profiles' `category`).
  const CATEGORIES = {
    forest_fire: { label: '森林火情', short: '火情', color: '#ff6a2b' },
    flood: { label: '汛情', short: '汛情', color: '#29d3f5' },
    pollution: { label: '环境污染', short: '污染', color: '#e8f06a' },
    elevator: { label: '电梯安全', short: '电梯', color: '#c39bff' },
    device: { label: '设备运维', short: '设备', color: '#9fb4c8' },
  };
  // A category missing on an (older) alarm follows from its device kind.
  const KIND_CATEGORY = { firecam: 'forest_fire', hydrology: 'flood', pollution: 'pollution', elevator: 'elevator' };

  function categoryInfo(id) {
    return CATEGORIES[id] || { label: id ? String(id) : '其他', short: id ? String(id) : '其他', color: '#9fb4c8' };
  }

  // A flame on a 24×24 grid: fires on the map and in its legend.
  const FIRE_PATH = 'M12 1.5c1 4.2 5.8 6.6 5.8 12.3a5.8 5.8 0 0 1-11.6 0c0-2.8 1.5-4.6 2.7-6.3.3 2 1.3 3.2 2.7 3.6-.7-3.4.2-6.5.4-9.6z';

  // How an incident or alarm was located (model.Locate…).
  const METHODS = {
    triangulated: '交汇定位',
    bearing_distance: '方位+距离',
    bearing_line: '单站方位线',
    device: '设备位置',
  };

  function methodLabel(method) {
    return METHODS[method] || (method ? String(method) : '—');
  }

  // Pollutant names as HJ 633 reports them (primary, iaqi keys) → display.
  const POLLUTANTS = {
    'PM2.5': 'PM₂.₅', PM10: 'PM₁₀', SO2: 'SO₂', NO2: 'NO₂', CO: 'CO', O3: 'O₃',
    O3_8H: 'O₃-8h', O3_8h: 'O₃-8h', O3_1H: 'O₃', SO2_1H: 'SO₂', NO2_1H: 'NO₂', CO_1H: 'CO',
  };

  function pollutantLabel(p) {
    return POLLUTANTS[p] || String(p);
  }

  // Case states of the dispatch loop (model.Case.state), in the loop's order.
  // `open`: still being worked — on the map and in the ticker; closed and
  // rejected cases are done. Colours are the map pins' and the state chips'.
  const CASE_STATES = [
    { id: 'reported', label: '待受理', color: '#4fd1ff', open: true },
    { id: 'registered', label: '已立案', color: '#5b8cff', open: true },
    { id: 'dispatched', label: '已派遣', color: '#c39bff', open: true },
    { id: 'accepted', label: '处置中', color: '#ff9a3d', open: true },
    { id: 'returned', label: '退回', color: '#ff5fa2', open: true },
    { id: 'resolved', label: '已反馈', color: '#3ee08f', open: true },
    { id: 'suspended', label: '挂账', color: '#9aa7b4', open: true },
    { id: 'closed', label: '已结案', color: '#6b7785', open: false },
    { id: 'rejected', label: '不予立案', color: '#6b7785', open: false },
  ];
  const CASE_STATE = Object.fromEntries(CASE_STATES.map((s, i) => [s.id, { ...s, order: i }]));

  // caseStateInfo: a state the page does not know is shown raw, as open.
  function caseStateInfo(id) {
    return CASE_STATE[id] || { id: String(id || ''), label: id ? String(id) : '—', color: '#9fb4c8', open: true, order: CASE_STATES.length };
  }

  // The case funnel (kpi.funnel): the steps today's cases reached.
  const FUNNEL_STEPS = [
    { id: 'reported', label: '上报' },
    { id: 'registered', label: '立案' },
    { id: 'dispatched', label: '派遣' },
    { id: 'resolved', label: '处置' },
    { id: 'closed', label: '结案' },
  ];

  // SLA stages (case.sla.stage): the deadline that is running.
  const SLA_STAGES = { sign: '签收', resolve: '处置', verify: '核查' };

  function slaStageLabel(stage) {
    return SLA_STAGES[stage] || (stage ? String(stage) : '');
  }

  // Agency names by id, from GET /api/v1/agencies; an unknown id shows as is.
  const AGENCIES = new Map();

  // mergeAgencies takes the [{id, name, type, region}] of GET /api/v1/agencies
  // and returns how many names it added or changed.
  function mergeAgencies(list) {
    if (!Array.isArray(list)) return 0;
    let n = 0;
    for (const a of list) {
      if (!a || a.id === undefined || a.id === null || !a.name) continue;
      const id = String(a.id);
      if (AGENCIES.get(id) === String(a.name)) continue;
      AGENCIES.set(id, String(a.name));
      n++;
    }
    return n;
  }

  function agencyName(id) {
    if (id === undefined || id === null || id === '') return '';
    return AGENCIES.get(String(id)) || String(id);
  }

  // Metric labels of kinds the page has no entry for (from the profiles).
  const OTHER_METRICS = {};

  // mergeProfiles adds the labels and units of GET /api/v1/profiles (metrics
  // and derived values) that the page does not know yet. Local entries win:
  // they carry Chinese enum labels the profiles do not have. A kind the page
  // does not know stays "other" on the map; only its metric names are kept.
  function mergeProfiles(kinds, profiles) {
    if (!profiles || typeof profiles !== 'object') return 0;
    let added = 0;
    for (const [kind, p] of Object.entries(profiles)) {
      if (!p || typeof p !== 'object') continue;
      const metrics = kinds[kind] ? kinds[kind].metrics : (OTHER_METRICS[kind] = OTHER_METRICS[kind] || {});
      for (const section of [p.metrics, p.derived]) {
        for (const [name, m] of Object.entries(section || {})) {
          if (metrics[name] || !m || typeof m !== 'object') continue;
          metrics[name] = { label: m.label || name, ...(m.unit ? { unit: m.unit } : {}) };
          added++;
        }
      }
    }
    return added;
  }

  function metricInfo(kind, metric) {
    return kindInfo(kind).metrics[metric] || (OTHER_METRICS[kind] || {})[metric] || {};
  }

  function kindInfo(kind) {
    return KINDS[kind] || { ...OTHER_KIND, label: kind ? String(kind) : OTHER_KIND.label };
  }

  // formatNumber groups thousands for counts; measurements (grouping false)
  // read like the instrument shows them: 1051.32, not 1,051.32.
  function formatNumber(x, maxDigits, grouping) {
    if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
    const digits = maxDigits === undefined ? 2 : maxDigits;
    return x.toLocaleString('zh-CN', {
      maximumFractionDigits: digits, minimumFractionDigits: 0, useGrouping: grouping !== false,
    });
  }

  // formatMetric renders one metric value with its unit, or an enum label.
  function formatMetric(kind, metric, value) {
    const m = metricInfo(kind, metric);
    if (m.enum && m.enum[value] !== undefined) return m.enum[value];
    const unit = m.unit ? ' ' + m.unit : '';
    return formatNumber(value, 2, false) + unit;
  }

  function metricLabel(kind, metric) {
    return metricInfo(kind, metric).label || metric;
  }

  function metricUnit(kind, metric) {
    return metricInfo(kind, metric).unit || '';
  }

  function pad2(n) {
    return n < 10 ? '0' + n : String(n);
  }

  // formatTime shows HH:MM:SS for today and MM-DD HH:MM otherwise.
  function formatTime(rfc3339, now) {
    const t = new Date(rfc3339);
    if (Number.isNaN(t.getTime())) return '—';
    const n = now || new Date();
    const hms = pad2(t.getHours()) + ':' + pad2(t.getMinutes()) + ':' + pad2(t.getSeconds());
    if (t.toDateString() === n.toDateString()) return hms;
    return pad2(t.getMonth() + 1) + '-' + pad2(t.getDate()) + ' ' + hms.slice(0, 5);
  }

  // formatDue writes a deadline: HH:MM today, MM-DD HH:MM on another day.
  function formatDue(rfc3339, now) {
    const t = new Date(rfc3339);
    if (!rfc3339 || Number.isNaN(t.getTime())) return '—';
    const n = now || new Date();
    const hm = pad2(t.getHours()) + ':' + pad2(t.getMinutes());
    if (t.toDateString() === n.toDateString()) return hm;
    return pad2(t.getMonth() + 1) + '-' + pad2(t.getDate()) + ' ' + hm;
  }

  function escapeHTML(s) {
    return String(s === undefined || s === null ? '' : s).replace(/[&<>"']/g, (c) => ({
      '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    })[c]);
  }

  return {
    SEVERITIES, SEVERITY, severityRank, OFFLINE_COLOR, KINDS, kindInfo,
    CATEGORIES, KIND_CATEGORY, FIRE_PATH, categoryInfo, METHODS, methodLabel, pollutantLabel, mergeProfiles, metricUnit,
    formatNumber, formatMetric, metricLabel, formatTime, formatDue, pad2, escapeHTML,
    CASE_STATES, CASE_STATE, caseStateInfo, FUNNEL_STEPS, SLA_STAGES, slaStageLabel, AGENCIES, mergeAgencies, agencyName,
  };
});
