// views.js — pure functions that turn the entity state into what the panels
// and the map show: AQI and water-class rows and colours, water levels
// against their warning lines, incidents and their bearing lines, alarm
// order, online rates; the case funnel and states, the agency ranking, the
// plan banner and the cases on the map and in the ticker. No DOM and no
// ECharts: test/views.test.js and test/cases.test.js run them in node.
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory(require('./labels.js'));
  else root.HubScreen = Object.assign(root.HubScreen || {}, factory(root.HubScreen));
})(typeof self !== 'undefined' ? self : this, function (L) {
  'use strict';

  const PANEL_BG = '#0a2244'; // what a coloured text sits on (style.css --panel over --bg)

  // ---- colours

  function parseHex(hex) {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex || '').trim());
    if (!m) return null;
    const h = m[1].length === 3 ? m[1].replace(/./g, (c) => c + c) : m[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  }

  function toHex(rgb) {
    return '#' + rgb.map((c) => Math.round(Math.max(0, Math.min(255, c))).toString(16).padStart(2, '0')).join('');
  }

  // luminance is the WCAG relative luminance of a #RRGGBB colour.
  function luminance(hex) {
    const rgb = parseHex(hex);
    if (!rgb) return 0;
    const [r, g, b] = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(a, b) {
    const la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  // textOn picks dark or white text for a label drawn on a coloured fill.
  function textOn(hex) {
    return contrast(hex, '#05111f') >= contrast(hex, '#ffffff') ? '#05111f' : '#ffffff';
  }

  // legibleOnDark keeps a band colour's hue but lightens it until it reads on
  // the dark panels: HJ 633's 重度/严重污染 maroons are nearly invisible as
  // text on navy.
  function legibleOnDark(hex, bg, minRatio) {
    const rgb = parseHex(hex);
    if (!rgb) return '#e3f1ff';
    const back = bg || PANEL_BG;
    const want = minRatio || 4.5;
    for (let t = 0; t <= 1.0001; t += 0.05) {
      const c = toHex(rgb.map((x) => x + (255 - x) * t));
      if (contrast(c, back) >= want) return c;
    }
    return '#ffffff';
  }

  // ---- AQI (HJ 633-2012), as the hub sends it in device.aqi

  // Fallback band colours, used only when the hub sends a level without one.
  const AQI_BANDS = [
    { level: 1, category: '优', colour: '#00E400' },
    { level: 2, category: '良', colour: '#FFFF00' },
    { level: 3, category: '轻度污染', colour: '#FF7E00' },
    { level: 4, category: '中度污染', colour: '#FF0000' },
    { level: 5, category: '重度污染', colour: '#99004C' },
    { level: 6, category: '严重污染', colour: '#7E0023' },
  ];

  function aqiBand(level) {
    return AQI_BANDS[Math.max(1, Math.min(6, Math.round(level))) - 1];
  }

  function num(x) {
    return typeof x === 'number' && Number.isFinite(x) ? x : null;
  }

  // aqiOf reads a device's hourly AQI report, or null when it has none.
  function aqiOf(d) {
    const a = d && d.aqi;
    if (!a || num(a.aqi) === null) return null;
    const band = num(a.level) !== null ? aqiBand(a.level) : null;
    const colour = parseHex(a.colour) ? a.colour : band ? band.colour : '#9fb4c8';
    return {
      aqi: Math.round(a.aqi),
      level: num(a.level),
      category: a.category || (band ? band.category : ''),
      colour,
      primary: Array.isArray(a.primary) ? a.primary : [],
    };
  }

  // shortName drops the generic tail of a station's name: "…空气自动站",
  // "…水质自动站", "…水文站", "…水位站".
  function shortName(name) {
    const s = String(name || '');
    let t = s, prev;
    do {
      prev = t;
      t = t.replace(/(空气自动监测站|空气自动站|水质自动站|自动监测站|环境监测站|水文站|水位站|监测站)$/, '');
    } while (t !== prev && t);
    return t || s;
  }

  // stationName: a hydrology station without its river ("黄河乌斯太南水位站"
  // → "乌斯太南"): the table has room for ~7 characters.
  function stationName(name) {
    const s = shortName(name);
    if (s.length <= 4) return s;
    const t = s.replace(/^(黄河|黑河东河|黑河西河|黑河|额济纳河|弱水)/, '');
    return t.length >= 2 ? t : s;
  }

  // aqiRows: every device with an AQI report, worst first.
  function aqiRows(devices) {
    const rows = [];
    for (const [id, d] of entries(devices)) {
      const a = aqiOf(d);
      if (!a) continue;
      const a24 = aqiOf({ aqi: d.aqi_24h });
      rows.push({
        id, name: d.name || id, short: shortName(d.name || id), lon: d.lon, lat: d.lat,
        online: d.online !== false, ...a,
        text: textOn(a.colour), legible: legibleOnDark(a.colour),
        primaryText: a.primary.length ? a.primary.map(L.pollutantLabel).join('、') : '—',
        aqi24: a24 ? a24.aqi : null,
      });
    }
    return rows.sort((x, y) => y.aqi - x.aqi || x.name.localeCompare(y.name, 'zh-CN'));
  }

  // aqiLabelSites: the stations whose AQI is written on the map, one per
  // ~cell° square (the worst), so a town's four stations give one label.
  function aqiLabelSites(rows, cell) {
    const size = cell || 0.1;
    const best = new Map();
    for (const r of rows) {
      if (num(r.lon) === null || num(r.lat) === null) continue;
      const key = Math.floor(r.lon / size) + ':' + Math.floor(r.lat / size);
      const prev = best.get(key);
      if (!prev || r.aqi > prev.aqi) best.set(key, r);
    }
    return new Set(Array.from(best.values(), (r) => r.id));
  }

  // ---- surface water class (GB 3838-2002)

  // Colours and words of 《地表水环境质量评价办法（试行）》: Ⅰ–Ⅱ 蓝 优, Ⅲ 绿 良好,
  // Ⅳ 黄 轻度污染, Ⅴ 橙 中度污染, 劣Ⅴ 红 重度污染.
  const WATER_CLASSES = [
    { n: 1, id: 'I', label: 'Ⅰ类', colour: '#1e9bff', quality: '优' },
    { n: 2, id: 'II', label: 'Ⅱ类', colour: '#1e9bff', quality: '优' },
    { n: 3, id: 'III', label: 'Ⅲ类', colour: '#2fd672', quality: '良好' },
    { n: 4, id: 'IV', label: 'Ⅳ类', colour: '#ffe600', quality: '轻度污染' },
    { n: 5, id: 'V', label: 'Ⅴ类', colour: '#ff8a1f', quality: '中度污染' },
    { n: 6, id: '劣V', label: '劣Ⅴ类', colour: '#ff3b3b', quality: '重度污染' },
  ];

  // waterClass reads "III", "劣V", "劣Ⅴ", 3 or 6 into its class entry.
  function waterClass(c) {
    if (num(c) !== null) return WATER_CLASSES[c - 1] || null;
    const s = String(c || '').trim().replace(/类$/, '').replace(/Ⅰ/g, 'I').replace(/Ⅱ/g, 'II')
      .replace(/Ⅲ/g, 'III').replace(/Ⅳ/g, 'IV').replace(/Ⅴ/g, 'V').toUpperCase();
    return WATER_CLASSES.find((w) => w.id === s) || null;
  }

  function waterOf(d) {
    const w = d && d.water;
    if (!w) return null;
    const cls = waterClass(num(w.class_n) !== null ? w.class_n : w.class);
    if (!cls) return null;
    const target = waterClass(w.target);
    return { cls, target, meets: target ? cls.n <= target.n : null, water: w };
  }

  // waterRows: every surface-water station with a class, worst first.
  function waterRows(devices) {
    const rows = [];
    for (const [id, d] of entries(devices)) {
      const w = waterOf(d);
      if (!w) continue;
      const exceeding = (Array.isArray(w.water.exceeding) ? w.water.exceeding : [])
        .filter((e) => e && e.factor)
        .map((e) => ({
          factor: e.factor,
          label: L.metricLabel(d.kind, e.factor),
          multiple: num(e.multiple),
        }));
      const determining = (Array.isArray(w.water.determining) ? w.water.determining : []).map((m) => L.metricLabel(d.kind, m));
      rows.push({
        id, name: d.name || id, short: shortName(d.name || id), online: d.online !== false,
        label: w.cls.label, n: w.cls.n, colour: w.cls.colour, text: textOn(w.cls.colour), quality: w.cls.quality,
        target: w.target ? w.target.label : '', meets: w.meets, exceeding, determining,
      });
    }
    return rows.sort((x, y) => y.n - x.n || x.name.localeCompare(y.name, 'zh-CN'));
  }

  // envTint is the colour a pollution station is drawn in: its AQI band, or
  // its water class; null for outlets (drawn in the kind's colour).
  function envTint(d) {
    const a = aqiOf(d);
    if (a) return a.colour;
    const w = waterOf(d);
    return w ? w.cls.colour : null;
  }

  // ---- water levels against their lines (hydrology)

  // levelLines finds a station's 警戒 (warning) and 保证 (guaranteed) lines
  // among device.lines: by label, then by rule id, then — two unnamed lines —
  // the milder severity is the warning line.
  function levelLines(d, metric) {
    const m = metric || 'water_level_m';
    const lines = (d && Array.isArray(d.lines) ? d.lines : []).filter((l) => l && l.metric === m && num(l.value) !== null);
    const pick = (re) => lines.find((l) => re.test(String(l.label || '')) || re.test(String(l.rule || '')));
    let warning = pick(/警戒|warn/i);
    let guaranteed = pick(/保证|guarant/i);
    if (!warning && !guaranteed && lines.length) {
      const bySev = lines.slice().sort((a, b) => L.severityRank(a.severity) - L.severityRank(b.severity));
      warning = bySev[0];
      guaranteed = bySev.length > 1 ? bySev[bySev.length - 1] : undefined;
    }
    return { warning: warning ? warning.value : null, guaranteed: guaranteed ? guaranteed.value : null };
  }

  const LEVEL_STATUS = {
    'over-guaranteed': { rank: 4, label: '超保证' },
    'over-warning': { rank: 3, label: '超警戒' },
    near: { rank: 2, label: '接近警戒' },
    normal: { rank: 1, label: '正常' },
    unknown: { rank: 0, label: '—' },
  };

  // levelStatus judges a level against its lines; "near" is within nearM
  // below the warning line.
  function levelStatus(level, warning, guaranteed, nearM) {
    if (num(level) === null) return 'unknown';
    if (num(guaranteed) !== null && level >= guaranteed) return 'over-guaranteed';
    if (num(warning) === null) return num(guaranteed) === null ? 'unknown' : 'normal';
    if (level >= warning) return 'over-warning';
    if (warning - level <= (nearM === undefined ? 0.5 : nearM)) return 'near';
    return 'normal';
  }

  // formatSigned writes a difference with its sign ("+0.62", "−1.09", "0.00");
  // the minus is U+2212 so it is as wide as the plus.
  function formatSigned(x, digits) {
    if (num(x) === null) return '—';
    const d = digits === undefined ? 2 : digits;
    const s = Math.abs(x).toFixed(d);
    if (Number(s) === 0) return s;
    return (x > 0 ? '+' : '−') + s;
  }

  // hydroRows: every station with a water level, the most critical first.
  function hydroRows(devices, metric) {
    const m = metric || 'water_level_m';
    const rows = [];
    for (const [id, d] of entries(devices)) {
      const level = num((d.values || {})[m]);
      const lines = levelLines(d, m);
      if (level === null && lines.warning === null) continue;
      if (d.kind && d.kind !== 'hydrology' && level === null) continue;
      const der = d.derived || {};
      const margin = level !== null && lines.warning !== null ? level - lines.warning : null;
      const status = levelStatus(level, lines.warning, lines.guaranteed);
      rows.push({
        id, name: d.name || id, short: stationName(d.name || id), online: d.online !== false,
        level, warning: lines.warning, guaranteed: lines.guaranteed, margin,
        marginText: formatSigned(margin), status, statusLabel: LEVEL_STATUS[status].label,
        rain1h: num(der.rain_1h), rain24h: num(der.rain_24h), rise: num(der.level_rise_mh),
        severity: d.alarm_severity || '',
      });
    }
    return rows.sort((x, y) => LEVEL_STATUS[y.status].rank - LEVEL_STATUS[x.status].rank ||
      (y.margin === null ? -Infinity : y.margin) - (x.margin === null ? -Infinity : x.margin) ||
      x.name.localeCompare(y.name, 'zh-CN'));
  }

  // ---- incidents

  function hasPoint(p) {
    return Array.isArray(p) && num(p[0]) !== null && num(p[1]) !== null && !(p[0] === 0 && p[1] === 0);
  }

  // incidentPoint: where an incident is drawn (its point, else the start of
  // its bearing line), or null.
  function incidentPoint(inc) {
    if (!inc) return null;
    if (hasPoint([inc.lon, inc.lat])) return [inc.lon, inc.lat];
    const l = inc.location || {};
    if (hasPoint([l.lon, l.lat])) return [l.lon, l.lat];
    if (Array.isArray(l.line) && hasPoint(l.line[0])) return l.line[0];
    return null;
  }

  function methodOf(inc) {
    return (inc && inc.location && inc.location.method) || 'device';
  }

  function timeMs(t) {
    const x = Date.parse(t);
    return Number.isNaN(x) ? 0 : x;
  }

  // Among incidents of one severity, fires (they spread) and elevator
  // incidents (someone may be inside) come first.
  const URGENT_CATEGORY = { forest_fire: 2, elevator: 1 };

  // incidentRows: open incidents, most severe first, then the urgent
  // categories, then the newest. By first_seen, not last_seen: members keep
  // updating an incident, and a wall whose rows swap every second cannot be
  // read.
  function incidentRows(incidents) {
    return Array.from(values(incidents))
      .filter((i) => i && i.status !== 'closed')
      .map((i) => ({
        id: String(i.id), title: i.title || L.categoryInfo(i.category).label, severity: i.severity || '',
        category: i.category || '', categoryInfo: L.categoryInfo(i.category), method: methodOf(i),
        methodLabel: L.methodLabel(methodOf(i)),
        alarms: Array.isArray(i.alarm_ids) ? i.alarm_ids.length : 0,
        sources: Array.isArray(i.sources) ? i.sources.length : 0,
        first_seen: i.first_seen, last_seen: i.last_seen, point: incidentPoint(i), case_id: i.case_id || null,
      }))
      .sort((x, y) => L.severityRank(y.severity) - L.severityRank(x.severity) ||
        (URGENT_CATEGORY[y.category] || 0) - (URGENT_CATEGORY[x.category] || 0) ||
        timeMs(y.first_seen) - timeMs(x.first_seen) || x.id.localeCompare(y.id));
  }

  // distanceM is the great-circle distance between two [lon, lat] points.
  function distanceM(a, b) {
    const R = 6371008.8, rad = Math.PI / 180;
    const dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  // bearingDeg is the initial great-circle bearing from a to b, 0–360.
  function bearingDeg(a, b) {
    const rad = Math.PI / 180;
    const y = Math.sin((b[0] - a[0]) * rad) * Math.cos(b[1] * rad);
    const x = Math.cos(a[1] * rad) * Math.sin(b[1] * rad) - Math.sin(a[1] * rad) * Math.cos(b[1] * rad) * Math.cos((b[0] - a[0]) * rad);
    return (Math.atan2(y, x) / rad + 360) % 360;
  }

  // bearingSegments: what to draw for an incident seen along bearings.
  //  - triangulated (or bearing_distance): a "fix" from each tower to the
  //    incident's point; towers from the member alarms' location.line[0],
  //    else the alarm's own position, else the incident's source devices.
  //    `beyond` is the rest of the tower's bearing line past the point.
  //  - bearing_line: a "ray" along each bearing line (the incident's own,
  //    and its member alarms').
  // Other incidents have none.
  function bearingSegments(inc, alarms, devices) {
    const method = methodOf(inc);
    const members = (Array.isArray(inc.alarm_ids) ? inc.alarm_ids : [])
      .map((id) => get(alarms, String(id))).filter(Boolean);
    const out = [];
    const seen = new Set();
    const towerName = (id) => { const d = get(devices, String(id)); return (d && d.name) || String(id || ''); };
    if (method === 'triangulated' || method === 'bearing_distance') {
      const point = incidentPoint(inc);
      if (!point) return out;
      const add = (towerId, tower, bearing, line) => {
        const key = towerId || tower.join(',');
        if (!hasPoint(tower) || seen.has(key)) return;
        seen.add(key);
        const beyond = Array.isArray(line) && line.length > 1 && hasPoint(line[line.length - 1])
          && distanceM(tower, line[line.length - 1]) > distanceM(tower, point) ? [point, line[line.length - 1]] : null;
        out.push({
          type: 'fix', towerId, towerName: towerName(towerId), tower, to: point, coords: [tower, point], beyond,
          bearing: num(bearing) !== null ? bearing : bearingDeg(tower, point), distanceM: distanceM(tower, point),
        });
      };
      for (const a of members) {
        const l = a.location || {};
        const tower = Array.isArray(l.line) && hasPoint(l.line[0]) ? l.line[0] : [a.lon, a.lat];
        add(a.source, tower, l.bearing_deg, l.line);
      }
      for (const id of Array.isArray(inc.sources) ? inc.sources : []) {
        const d = get(devices, String(id));
        if (d) add(String(id), [d.lon, d.lat], null, null);
      }
      return out;
    }
    if (method === 'bearing_line') {
      const addRay = (towerId, line, bearing) => {
        if (!Array.isArray(line) || line.length < 2 || !line.every(hasPoint)) return;
        const key = (towerId || '') + '@' + line[0].join(',') + '>' + line[line.length - 1].join(',');
        if (seen.has(key)) return;
        seen.add(key);
        out.push({
          type: 'ray', towerId, towerName: towerName(towerId), tower: line[0], to: line[line.length - 1], coords: line,
          beyond: null, bearing: num(bearing) !== null ? bearing : bearingDeg(line[0], line[line.length - 1]),
          distanceM: distanceM(line[0], line[line.length - 1]),
        });
      };
      const l = inc.location || {};
      const own = Array.isArray(inc.sources) && inc.sources.length === 1 ? String(inc.sources[0]) : '';
      addRay(own, l.line, l.bearing_deg);
      for (const a of members) if (a.location) addRay(a.source, a.location.line, a.location.bearing_deg);
      // The incident's own line and its one alarm's line are the same ray.
      if (out.length === 2 && out[0].towerId === out[1].towerId &&
        distanceM(out[0].tower, out[1].tower) < 1 && Math.abs(out[0].bearing - out[1].bearing) < 0.5) out.pop();
    }
    return out;
  }

  const FOCUS_RANK = { triangulated: 3, bearing_distance: 2, bearing_line: 1 };

  // focusIncident picks the incident the map's inset zooms onto: one located
  // by bearings (a fire seen from towers), the best located, then the most
  // severe, then the latest. Null when there is none.
  function focusIncident(incidents) {
    let best = null;
    for (const i of values(incidents)) {
      if (!i || i.status === 'closed') continue;
      const r = FOCUS_RANK[methodOf(i)] || 0;
      if (!r) continue;
      const better = !best || r > best.r ||
        (r === best.r && (L.severityRank(i.severity) > L.severityRank(best.i.severity) ||
          (L.severityRank(i.severity) === L.severityRank(best.i.severity) && timeMs(i.last_seen) > timeMs(best.i.last_seen))));
      if (better) best = { i, r };
    }
    return best ? best.i : null;
  }

  // focusBounds: [[west, north], [east, south]] around the points, padded,
  // at least minSpanKm across, and shaped to a box of aspect (width/height,
  // in pixels) so a stretched ECharts geo keeps true proportions.
  function focusBounds(points, aspect, opts) {
    const o = opts || {};
    const pts = points.filter(hasPoint);
    if (!pts.length) return null;
    const lons = pts.map((p) => p[0]), lats = pts.map((p) => p[1]);
    let [w, e, s, n] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
    const lat0 = (s + n) / 2;
    const kx = Math.cos((lat0 * Math.PI) / 180); // lon degrees → "ground" degrees
    const pad = o.pad === undefined ? 0.25 : o.pad;
    const minSpan = (o.minSpanKm || 6) / 111.2;
    let gw = Math.max((e - w) * kx * (1 + 2 * pad), minSpan);
    let gh = Math.max((n - s) * (1 + 2 * pad), minSpan);
    const a = aspect > 0 ? aspect : 1;
    if (gw / gh < a) gw = gh * a; else gh = gw / a;
    const cx = (w + e) / 2, cy = (s + n) / 2;
    w = cx - gw / kx / 2; e = cx + gw / kx / 2; s = cy - gh / 2; n = cy + gh / 2;
    return [[w, n], [e, s]];
  }

  // ---- alarms

  function alarmCategory(a, devices) {
    if (a.category) return a.category;
    const d = get(devices, String(a.source));
    return L.KIND_CATEGORY[a.kind || (d && d.kind)] || 'device';
  }

  // isPinned: elevator alarms go to the top of the list — someone may be
  // trapped, and 困人 has a response time measured in minutes.
  function isPinned(a, devices) {
    return alarmCategory(a, devices) === 'elevator';
  }

  // orderAlarms: pinned (elevator) alarms first, most severe then latest;
  // then every other alarm, latest first (the list is a ticker).
  function orderAlarms(alarms, devices) {
    const list = Array.from(values(alarms));
    const pinned = list.filter((a) => isPinned(a, devices))
      .sort((x, y) => L.severityRank(y.severity) - L.severityRank(x.severity) || timeMs(y.last_seen) - timeMs(x.last_seen));
    const rest = list.filter((a) => !isPinned(a, devices)).sort((x, y) => timeMs(y.last_seen) - timeMs(x.last_seen));
    return pinned.concat(rest);
  }

  // commentsByAlarm groups alarm_comment entities by alarm id, oldest first.
  function commentsByAlarm(comments) {
    const m = new Map();
    for (const c of values(comments)) {
      if (!c || c.alarm_id === undefined) continue;
      const k = String(c.alarm_id);
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(c);
    }
    for (const list of m.values()) list.sort((x, y) => timeMs(x.at) - timeMs(y.at));
    return m;
  }

  // ---- online rate

  function rate(online, total) {
    return total > 0 ? online / total : null;
  }

  function count(c) {
    const total = num(c && c.total) || 0;
    const online = num(c && c.online) || 0;
    return { total, online, rate: num(c && c.rate) !== null && total > 0 ? c.rate : rate(online, total) };
  }

  // onlineRows: the hub's online entity when there is one (it counts every
  // registered device, the ones without a reading too), else counted from the
  // device entities; alarmed devices per kind always from the devices.
  function onlineRows(online, devices, kinds) {
    const fromDevices = { all: { total: 0, online: 0 }, by_kind: {} };
    const alarmed = {};
    for (const d of values(devices)) {
      const k = d.kind || '';
      const c = fromDevices.by_kind[k] || (fromDevices.by_kind[k] = { total: 0, online: 0 });
      c.total++; fromDevices.all.total++;
      if (d.online) { c.online++; fromDevices.all.online++; }
      if (L.severityRank(d.alarm_severity) > 0) alarmed[k] = (alarmed[k] || 0) + 1;
    }
    const src = online && online.all && online.by_kind ? online : fromDevices;
    const ids = (kinds || []).slice();
    for (const k of Object.keys(src.by_kind)) if (!ids.includes(k)) ids.push(k);
    const all = count(src.all);
    all.alarmed = Object.values(alarmed).reduce((s, n) => s + n, 0);
    return {
      fromHub: src === online,
      all,
      kinds: ids.map((k) => ({ kind: k, ...count(src.by_kind[k]), alarmed: alarmed[k] || 0 })),
    };
  }

  // rateClass: good ≥ 95 %, warn ≥ 80 %, bad below; '' when unknown.
  function rateClass(r) {
    if (num(r) === null) return '';
    return r >= 0.95 ? 'is-good' : r >= 0.8 ? 'is-warn' : 'is-bad';
  }

  function formatRate(r) {
    if (num(r) === null) return '—';
    const p = r * 100;
    return (p === 100 || p === 0 ? p.toFixed(0) : p.toFixed(1)) + '%';
  }

  // ---- cases: the dispatch loop's case, plan and kpi entities

  function isObj(x) {
    return x !== null && typeof x === 'object' && !Array.isArray(x);
  }

  function whole(x) {
    return num(x) !== null && x > 0 ? Math.round(x) : 0;
  }

  // isOpenCase: still being worked (not 已结案 or 不予立案).
  function isOpenCase(c) {
    return !!c && L.caseStateInfo(c.state).open;
  }

  // caseFunnel: 上报 → 立案 → 派遣 → 处置 → 结案 from kpi.funnel, each step
  // with its share of 上报 (null with nothing reported), in whole percent.
  function caseFunnel(kpi) {
    const f = kpi && isObj(kpi.funnel) ? kpi.funnel : {};
    const top = whole(f.reported);
    return L.FUNNEL_STEPS.map((s) => {
      const n = whole(f[s.id]);
      const share = top > 0 ? Math.min(1, n / top) : null;
      return { step: s.id, label: s.label, n, share, shareText: share === null ? '—' : Math.round(share * 100) + '%' };
    });
  }

  // caseStateRows: today's cases by state (kpi.by_state), in the loop's
  // order, the states with none left out; states the page does not know
  // come last, under their raw name.
  function caseStateRows(kpi) {
    const by = kpi && isObj(kpi.by_state) ? kpi.by_state : {};
    return Object.keys(by)
      .filter((k) => whole(by[k]) > 0)
      .map((k) => {
        const s = L.caseStateInfo(k);
        return { state: k, label: s.label, color: s.color, open: s.open, n: whole(by[k]), order: s.order };
      })
      .sort((x, y) => x.order - y.order || x.state.localeCompare(y.state))
      .map(({ order, ...r }) => r);
  }

  // caseSummary: what the 案件办理 strip shows. known is false until the hub
  // has sent its kpi entity (an older hub never does).
  function caseSummary(kpi) {
    const known = isObj(kpi);
    const rate = known && num(kpi.on_time_resolve_rate) !== null ? Math.max(0, Math.min(1, kpi.on_time_resolve_rate)) : null;
    const states = caseStateRows(kpi);
    return {
      known,
      funnel: caseFunnel(kpi),
      states,
      open: states.filter((r) => r.open).reduce((s, r) => s + r.n, 0),
      overdue: known ? whole(kpi.overdue) : null,
      onTimeRate: rate,
      onTimeText: formatRate(rate),
      onTimeClass: rateClass(rate),
      asOf: known ? kpi.as_of || '' : '',
    };
  }

  // agencyRanking: the top agencies by 综合指标值 (kpi.agencies, last 30
  // days): rank, name, score and 按期处置率.
  function agencyRanking(kpi, limit) {
    const rows = kpi && Array.isArray(kpi.agencies) ? kpi.agencies.filter(isObj) : [];
    const rank = (r) => (num(r.rank) !== null && r.rank > 0 ? r.rank : Infinity);
    return rows
      .slice()
      .sort((x, y) => rank(x) - rank(y) || (num(y.score) || 0) - (num(x.score) || 0) || String(x.key).localeCompare(String(y.key)))
      .slice(0, limit === undefined ? 8 : limit)
      .map((r, i) => {
        const rates = isObj(r.rates) ? r.rates : {};
        const onTime = num(rates.on_time_resolve_rate);
        const score = num(r.score);
        return {
          rank: rank(r) === Infinity ? i + 1 : r.rank,
          key: String(r.key === undefined ? '' : r.key),
          name: r.name || L.agencyName(r.key) || '—',
          score, scoreText: score === null ? '—' : score.toFixed(1),
          onTime, onTimeText: formatRate(onTime), onTimeClass: rateClass(onTime),
          cases: whole(r.cases), overdue: whole(r.overdue),
        };
      });
  }

  // planLevel: "Ⅳ级" → "Ⅳ级响应"; none → "应急响应".
  function planLevel(level) {
    const s = String(level || '').trim();
    if (!s) return '应急响应';
    return /响应$/.test(s) ? s : s + '响应';
  }

  // planName drops the response level the catalogue writes after a plan's
  // name ("…应急预案（Ⅳ级响应）"): the banner already leads with it.
  function planName(name) {
    const s = String(name || '').trim();
    return s.replace(/\s*[（(][^（()）]*响应[)）]\s*$/, '') || s || '应急预案';
  }

  // levelRank orders response levels, Ⅰ级 (the gravest) first: 1 … 4, and 9
  // for a level that names no grade.
  function levelRank(level) {
    const m = /^\s*(Ⅳ|Ⅲ|Ⅱ|Ⅰ|IV|III|II|I|[1-4一二三四])/i.exec(String(level || ''));
    if (!m) return 9;
    const k = m[1].toUpperCase();
    return { Ⅰ: 1, I: 1, 1: 1, 一: 1, Ⅱ: 2, II: 2, 2: 2, 二: 2, Ⅲ: 3, III: 3, 3: 3, 三: 3, Ⅳ: 4, IV: 4, 4: 4, 四: 4 }[k] || 9;
  }

  // planBanners: the active plans (plan entities), the gravest response
  // first, then the latest activated, each with the banner's text:
  // 【Ⅳ级响应】森林火情应急预案 · <case title> · 已预置资源 N
  function planBanners(plans) {
    return Array.from(values(plans))
      .filter((p) => isObj(p) && !p.stood_down_at)
      .map((p) => {
        const level = planLevel(p.level);
        const name = planName(p.name);
        const resources = Array.isArray(p.resources) ? p.resources.length : 0;
        const title = String(p.title || p.case_no || '').trim();
        return {
          id: String(p.case_id === undefined ? '' : p.case_id), caseNo: p.case_no || '', planId: p.plan_id || '',
          level, name, title, resources, activatedAt: p.activated_at || '', regionCode: p.region_code || '',
          text: `【${level}】${name}` + (title ? ` · ${title}` : '') + ` · 已预置资源 ${resources}`,
        };
      })
      .sort((x, y) => levelRank(x.level) - levelRank(y.level) || timeMs(y.activatedAt) - timeMs(x.activatedAt) ||
        y.id.localeCompare(x.id));
  }

  // caseInfo: one case as the map's tooltip and the ticker show it.
  function caseInfo(c, now) {
    const s = L.caseStateInfo(c.state);
    const sla = isObj(c.sla) ? c.sla : null;
    const due = sla && sla.due ? sla.due : c.resolve_due || '';
    const agencyId = c.agency_id || '';
    const point = hasPoint([c.lon, c.lat]) ? [c.lon, c.lat] : null;
    return {
      id: String(c.id), no: c.no || String(c.id), title: c.title || c.category || '案件',
      state: c.state || '', stateLabel: s.label, color: s.color, open: s.open,
      severity: c.severity || '', category: c.category || '',
      agencyId, agency: agencyId ? L.agencyName(agencyId) : '',
      stage: sla ? sla.stage || '' : '', stageLabel: sla ? L.slaStageLabel(sla.stage) : '',
      due, dueText: due ? L.formatDue(due, now) : '',
      overdue: !!(sla && sla.overdue), warned: !!(sla && sla.warned && !sla.overdue), paused: !!(sla && sla.paused_at),
      escalated: !!c.escalated, plan: isObj(c.plan) && !c.plan.stood_down_at ? planName(c.plan.name) : '',
      point, createdAt: c.created_at || '', updatedAt: c.updated_at || '',
    };
  }

  // caseMapItems: the open cases that have a position, as map points in
  // their state's colour; overdue ones last so they are drawn on top.
  function caseMapItems(cases) {
    const out = [];
    for (const c of values(cases)) {
      if (!isObj(c) || !isOpenCase(c) || !hasPoint([c.lon, c.lat])) continue;
      const s = L.caseStateInfo(c.state);
      out.push({ caseId: String(c.id), value: [c.lon, c.lat], state: c.state, color: s.color, overdue: !!(c.sla && c.sla.overdue) });
    }
    return out.sort((x, y) => Number(x.overdue) - Number(y.overdue) || x.caseId.localeCompare(y.caseId));
  }

  // latestCases: the newest open cases (by created_at), for the ticker.
  function latestCases(cases, limit, now) {
    return Array.from(values(cases))
      .filter((c) => isObj(c) && isOpenCase(c))
      .sort((x, y) => timeMs(y.created_at) - timeMs(x.created_at) || String(y.id).localeCompare(String(x.id), undefined, { numeric: true }))
      .slice(0, limit === undefined ? 5 : limit)
      .map((c) => caseInfo(c, now));
  }

  // ---- collections: Maps or plain arrays/objects

  function values(c) {
    if (!c) return [];
    if (c instanceof Map) return c.values();
    return Array.isArray(c) ? c : Object.values(c);
  }

  function entries(c) {
    if (!c) return [];
    if (c instanceof Map) return c.entries();
    return Array.isArray(c) ? c.map((x) => [String(x.id), x]) : Object.entries(c);
  }

  function get(c, k) {
    if (!c) return undefined;
    return c instanceof Map ? c.get(k) : c[k];
  }

  return {
    parseHex, luminance, contrast, textOn, legibleOnDark,
    AQI_BANDS, aqiBand, aqiOf, aqiRows, aqiLabelSites, shortName, stationName,
    WATER_CLASSES, waterClass, waterOf, waterRows, envTint,
    levelLines, levelStatus, LEVEL_STATUS, formatSigned, hydroRows,
    incidentPoint, incidentRows, bearingSegments, focusIncident, focusBounds, distanceM, bearingDeg,
    alarmCategory, isPinned, orderAlarms, commentsByAlarm,
    onlineRows, rateClass, formatRate,
    isOpenCase, caseFunnel, caseStateRows, caseSummary, agencyRanking, planLevel, planName, levelRank, planBanners,
    caseInfo, caseMapItems, latestCases,
  };
});
