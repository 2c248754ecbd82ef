// labels.js — Chinese labels, colours and number formatting for the screen.
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
      },
    },
  };
  const OTHER_KIND = { label: '其他设备', short: '其他', color: '#d0d8e0', symbol: 'pin', metrics: {} };

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
    const m = kindInfo(kind).metrics[metric] || {};
    if (m.enum && m.enum[value] !== undefined) return m.enum[value];
    const unit = m.unit ? ' ' + m.unit : '';
    return formatNumber(value, 2, false) + unit;
  }

  function metricLabel(kind, metric) {
    const m = kindInfo(kind).metrics[metric];
    return m ? m.label : metric;
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

  function escapeHTML(s) {
    return String(s === undefined || s === null ? '' : s).replace(/[&<>"']/g, (c) => ({
      '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    })[c]);
  }

  return {
    SEVERITIES, SEVERITY, severityRank, OFFLINE_COLOR, KINDS, kindInfo,
    formatNumber, formatMetric, metricLabel, formatTime, pad2, escapeHTML,
  };
});
