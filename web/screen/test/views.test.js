// Tests of src/views.js (and the label helpers it uses): the pure logic
// behind the AQI, water, hydrology, incident, alarm and online panels and
// the map's incident drawing. `npm test` (node --test), no browser.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const V = require('../src/views.js');
const L = require('../src/labels.js');

const at = (s) => `2026-11-21T08:00:${String(s).padStart(2, '0')}Z`;
const byId = (list) => new Map(list.map((x) => [String(x.id), x]));

test('textOn and legibleOnDark keep band colours readable', () => {
  assert.equal(V.textOn('#FFFF00'), '#05111f', 'dark text on 良 yellow');
  assert.equal(V.textOn('#7E0023'), '#ffffff', 'white text on 严重污染 maroon');
  assert.equal(V.legibleOnDark('#FFFF00'), '#ffff00', 'yellow already reads on navy');
  const maroon = V.legibleOnDark('#7E0023');
  assert.notEqual(maroon, '#7e0023');
  assert.ok(V.contrast(maroon, '#0a2244') >= 4.5, `${maroon} reads on the panel`);
  const [r, g, b] = V.parseHex(maroon);
  assert.ok(r > g && r > b, 'still a red');
  assert.equal(V.legibleOnDark('not a colour'), '#e3f1ff');
  assert.deepEqual(V.parseHex('#0f0'), [0, 255, 0]);
});

const air = (id, aqi, extra) => ({
  id, kind: 'pollution', name: id + '空气自动站', lon: 105.68, lat: 38.84, online: true,
  aqi: { aqi, level: 2, category: '良', colour: '#FFFF00', primary: ['PM10'], iaqi: {}, hours: 1 }, ...extra,
});

test('aqiRows: stations with an AQI, worst first, with colours and primary pollutants', () => {
  const devices = byId([
    air('巴彦浩特南区', 64),
    air('额济纳旗', 131, { aqi: { aqi: 131, level: 3, category: '轻度污染', colour: '#FF7E00', primary: ['PM2.5', 'O3_8H'] }, aqi_24h: { aqi: 98, level: 2 } }),
    air('clean', 35, { aqi: { aqi: 35, level: 1, category: '优', colour: '#00E400', primary: [] } }),
    air('nocolour', 260, { aqi: { aqi: 260.4, level: 5, primary: ['PM10'] } }),
    { id: 'ps-1', kind: 'pollution', name: '排口', values: { cod_mgl: 40 } },
  ]);
  const rows = V.aqiRows(devices);
  assert.deepEqual(rows.map((r) => r.id), ['nocolour', '额济纳旗', '巴彦浩特南区', 'clean']);
  assert.equal(rows[0].aqi, 260);
  assert.equal(rows[0].colour, '#99004C', 'band colour from the level when none is sent');
  assert.equal(rows[0].category, '重度污染');
  assert.equal(rows[1].primaryText, 'PM₂.₅、O₃-8h');
  assert.equal(rows[1].aqi24, 98);
  assert.equal(rows[1].short, '额济纳旗');
  assert.equal(rows[3].primaryText, '—', 'no primary pollutant when AQI ≤ 50');
  assert.equal(rows[2].text, '#05111f');
});

test('aqiLabelSites labels the worst station of each cell', () => {
  const rows = [
    { id: 'a', aqi: 60, lon: 105.68, lat: 38.84 },
    { id: 'b', aqi: 120, lon: 105.69, lat: 38.83 },
    { id: 'c', aqi: 80, lon: 101.06, lat: 41.96 },
    { id: 'd', aqi: 80 },
  ];
  assert.deepEqual([...V.aqiLabelSites(rows, 0.1)].sort(), ['b', 'c']);
});

test('waterClass reads Roman numerals, 劣V and numbers', () => {
  assert.equal(V.waterClass('III').label, 'Ⅲ类');
  assert.equal(V.waterClass('Ⅳ').n, 4);
  assert.equal(V.waterClass('劣V').label, '劣Ⅴ类');
  assert.equal(V.waterClass('劣Ⅴ类').n, 6);
  assert.equal(V.waterClass(2).id, 'II');
  assert.equal(V.waterClass('VII'), null);
  assert.equal(V.waterClass(7), null);
});

test('waterRows: class against target, exceeding factors with their labels', () => {
  const devices = byId([
    { id: 'wq-1', kind: 'pollution', name: '黄河乌斯太断面水质自动站', online: true,
      water: { class: 'III', class_n: 3, determining: ['cod_mgl'], target: 'III', exceeding: [] } },
    { id: 'wq-2', kind: 'pollution', name: '东居延海水质自动站', online: true,
      water: { class: '劣V', class_n: 6, determining: ['tp_mgl'], target: 'III',
        exceeding: [{ factor: 'tp_mgl', value: 0.5, class: '劣V', limit: 0.05, multiple: 9 }] } },
    air('aq', 50),
  ]);
  const rows = V.waterRows(devices);
  assert.deepEqual(rows.map((r) => [r.id, r.label, r.target, r.meets]), [['wq-2', '劣Ⅴ类', 'Ⅲ类', false], ['wq-1', 'Ⅲ类', 'Ⅲ类', true]]);
  assert.deepEqual(rows[0].exceeding, [{ factor: 'tp_mgl', label: '总磷', multiple: 9 }]);
  assert.deepEqual(rows[1].determining, ['化学需氧量']);
  assert.equal(rows[0].colour, '#ff3b3b');
  assert.equal(rows[1].short, '黄河乌斯太断面');
  assert.equal(V.envTint(devices.get('wq-2')), '#ff3b3b');
  assert.equal(V.envTint(devices.get('aq')), '#FFFF00');
  assert.equal(V.envTint({ kind: 'pollution', values: {} }), null);
});

const station = (id, level, lines, extra) => ({
  id, kind: 'hydrology', name: id, online: true, values: { water_level_m: level }, lines, ...extra,
});
const WL = (warning, guaranteed) => [
  { rule: 'water_level_warning', label: '超警戒水位', metric: 'water_level_m', value: warning, severity: 'major' },
  { rule: 'water_level_guaranteed', label: '超保证水位', metric: 'water_level_m', value: guaranteed, severity: 'critical' },
  { rule: 'supply_low', label: '供电电压过低', metric: 'supply_v', value: 11, severity: 'warning' },
];

test('levelLines finds 警戒 and 保证 by label, rule id or severity', () => {
  assert.deepEqual(V.levelLines(station('a', 1, WL(1087.5, 1089))), { warning: 1087.5, guaranteed: 1089 });
  const byRule = [{ rule: 'level_guaranteed', metric: 'water_level_m', value: 9 }, { rule: 'level_warn', metric: 'water_level_m', value: 8 }];
  assert.deepEqual(V.levelLines(station('b', 1, byRule)), { warning: 8, guaranteed: 9 });
  const bySev = [{ rule: 'x', metric: 'water_level_m', value: 5, severity: 'critical' }, { rule: 'y', metric: 'water_level_m', value: 4, severity: 'minor' }];
  assert.deepEqual(V.levelLines(station('c', 1, bySev)), { warning: 4, guaranteed: 5 });
  assert.deepEqual(V.levelLines(station('d', 1, [])), { warning: null, guaranteed: null });
  assert.deepEqual(V.levelLines({}), { warning: null, guaranteed: null });
});

test('levelStatus and formatSigned', () => {
  assert.equal(V.levelStatus(10, 9, 11), 'over-warning');
  assert.equal(V.levelStatus(11, 9, 11), 'over-guaranteed');
  assert.equal(V.levelStatus(8.6, 9, 11), 'near');
  assert.equal(V.levelStatus(8, 9, 11), 'normal');
  assert.equal(V.levelStatus(8, null, null), 'unknown');
  assert.equal(V.levelStatus(null, 9, 11), 'unknown');
  assert.equal(V.formatSigned(0.624), '+0.62');
  assert.equal(V.formatSigned(-1.09), '−1.09', 'U+2212, as wide as the plus');
  assert.equal(V.formatSigned(-0.001), '0.00', 'no sign on a rounded zero');
  assert.equal(V.formatSigned(12.34, 1), '+12.3');
  assert.equal(V.formatSigned(undefined), '—');
});

test('hydroRows: level, lines, margin, rain and rise, the most critical first', () => {
  const devices = byId([
    station('黄河乌斯太南水位站', 1086.41, WL(1087.5, 1089), { derived: { rain_1h: 1.2, rain_24h: 30.5, level_rise_mh: 0.25 } }),
    station('黑河东河巴彦陶来水位站', 927.05, WL(926.5, 927.5), { derived: { rain_1h: 32.8, rain_24h: 40, level_rise_mh: 1.3 } }),
    station('东居延海湖区水位站', 895.6, WL(895.7, 896.5)),
    station('guaranteed', 12, WL(10, 11.5)),
    { id: 'el', kind: 'elevator', values: { floor: 3 } },
  ]);
  const rows = V.hydroRows(devices);
  assert.deepEqual(rows.map((r) => [r.id, r.status, r.marginText]), [
    ['guaranteed', 'over-guaranteed', '+2.00'],
    ['黑河东河巴彦陶来水位站', 'over-warning', '+0.55'],
    ['东居延海湖区水位站', 'near', '−0.10'],
    ['黄河乌斯太南水位站', 'normal', '−1.09'],
  ]);
  const b = rows[1];
  assert.equal(b.short, '巴彦陶来', 'the river is dropped from a long name');
  assert.deepEqual([b.level, b.warning, b.guaranteed, b.rain1h, b.rain24h, b.rise], [927.05, 926.5, 927.5, 32.8, 40, 1.3]);
  assert.equal(rows[2].rain1h, null);
  assert.equal(rows[2].short, '东居延海湖区');
});

// Two towers see one fire: their bearing lines, as the engine sends them.
const towerA = [105.7974, 38.5811], towerB = [105.7694, 38.6491], fire = [105.868, 38.618];
const rayFrom = (t, to) => [t, [t[0] + (to[0] - t[0]) * 3, t[1] + (to[1] - t[1]) * 3]];
const fireAlarms = byId([
  { id: 11, source: 'fc-05', type: 'smoke', category: 'forest_fire', severity: 'major', lon: towerA[0], lat: towerA[1],
    location: { method: 'bearing_line', lon: towerA[0], lat: towerA[1], bearing_deg: 56.2, line: rayFrom(towerA, fire) } },
  { id: 12, source: 'fc-07', type: 'fire', category: 'forest_fire', severity: 'critical', lon: towerB[0], lat: towerB[1],
    location: { method: 'bearing_line', lon: towerB[0], lat: towerB[1], bearing_deg: 112, line: rayFrom(towerB, fire) } },
]);
const fireDevices = byId([
  { id: 'fc-05', kind: 'firecam', name: '贺兰山南寺瞭望塔', lon: towerA[0], lat: towerA[1] },
  { id: 'fc-07', kind: 'firecam', name: '贺兰山雪岭子瞭望塔', lon: towerB[0], lat: towerB[1] },
]);
const triangulated = {
  id: 3, category: 'forest_fire', title: '森林火情', severity: 'critical', status: 'open', lon: fire[0], lat: fire[1],
  location: { method: 'triangulated', lon: fire[0], lat: fire[1] }, alarm_ids: [11, 12], sources: ['fc-05', 'fc-07'],
  first_seen: at(1), last_seen: at(5),
};

test('bearingSegments: a triangulated fire gets a line from each tower to the point', () => {
  const segs = V.bearingSegments(triangulated, fireAlarms, fireDevices);
  assert.equal(segs.length, 2, 'one per tower, the sources do not add a third');
  for (const [sg, tower, bearing, name] of [[segs[0], towerA, 56.2, '贺兰山南寺瞭望塔'], [segs[1], towerB, 112, '贺兰山雪岭子瞭望塔']]) {
    assert.equal(sg.type, 'fix');
    assert.deepEqual(sg.coords, [tower, fire]);
    assert.equal(sg.bearing, bearing);
    assert.equal(sg.towerName, name);
    assert.deepEqual(sg.beyond[0], fire, 'the rest of the bearing line goes on from the fire');
  }
  assert.ok(Math.abs(segs[0].distanceM - 7381) < 30, `tower A is ~7.4 km away, got ${segs[0].distanceM}`);
});

test('bearingSegments: without the member alarms the towers come from the sources', () => {
  const segs = V.bearingSegments(triangulated, new Map(), fireDevices);
  assert.deepEqual(segs.map((s) => s.coords), [[towerA, fire], [towerB, fire]]);
  assert.ok(Math.abs(segs[0].bearing - 56.2) < 0.2, `computed bearing ${segs[0].bearing}`);
  assert.equal(segs[0].beyond, null);
  assert.deepEqual(V.bearingSegments(triangulated, new Map(), new Map()), []);
});

test('bearingSegments: one tower gives one dashed ray; device incidents none', () => {
  const line = rayFrom(towerA, fire);
  const single = {
    id: 4, category: 'forest_fire', status: 'open', location: { method: 'bearing_line', lon: towerA[0], lat: towerA[1], bearing_deg: 56.2, line },
    alarm_ids: [11], sources: ['fc-05'],
  };
  const segs = V.bearingSegments(single, fireAlarms, fireDevices);
  assert.equal(segs.length, 1, 'the incident line and its alarm line are the same ray');
  assert.equal(segs[0].type, 'ray');
  assert.deepEqual(segs[0].coords, line);
  assert.deepEqual(V.incidentPoint(single), towerA);
  const flood = { id: 5, location: { method: 'device', lon: 106.7, lat: 39.4 }, lon: 106.7, lat: 39.4, alarm_ids: [1] };
  assert.deepEqual(V.bearingSegments(flood, new Map(), new Map()), []);
  assert.deepEqual(V.incidentPoint(flood), [106.7, 39.4]);
  assert.equal(V.incidentPoint({ lon: 0, lat: 0, location: {} }), null);
});

test('focusIncident prefers a triangulated fire, then severity, then the latest', () => {
  const inc = (id, method, severity, s) => ({ id, status: 'open', severity, last_seen: at(s), location: { method } });
  assert.equal(V.focusIncident([inc(1, 'device', 'critical', 9)]), null);
  assert.equal(V.focusIncident([inc(1, 'bearing_line', 'critical', 9), inc(2, 'triangulated', 'minor', 1)]).id, 2);
  assert.equal(V.focusIncident([inc(1, 'bearing_line', 'minor', 9), inc(2, 'bearing_line', 'major', 1)]).id, 2);
  assert.equal(V.focusIncident(byId([inc(1, 'bearing_line', 'major', 1), inc(2, 'bearing_line', 'major', 3)])).id, 2);
});

test('focusBounds contains the points with the box aspect and a minimum span', () => {
  const [[w, n], [e, s]] = V.focusBounds([towerA, towerB, fire], 1.5, { pad: 0.2, minSpanKm: 8 });
  for (const p of [towerA, towerB, fire]) assert.ok(p[0] > w && p[0] < e && p[1] > s && p[1] < n, `${p} inside`);
  const kx = Math.cos((((n + s) / 2) * Math.PI) / 180);
  assert.ok(Math.abs(((e - w) * kx) / (n - s) - 1.5) < 1e-9, 'ground aspect = box aspect');
  const [[w1, n1], [e1, s1]] = V.focusBounds([fire], 1, { minSpanKm: 8 });
  assert.ok(Math.abs((n1 - s1) * 111.2 - 8) < 1e-6, 'a single point still shows 8 km');
  assert.ok(Math.abs((e1 + w1) / 2 - fire[0]) < 1e-9);
  assert.equal(V.focusBounds([], 1), null);
});

test('incidentRows: severity, then the newest; method and members in words', () => {
  const rows = V.incidentRows(byId([
    { id: 1, category: 'flood', title: '汛情', severity: 'major', status: 'open', location: { method: 'device' }, alarm_ids: [1, 2, 3], sources: ['a', 'b'], first_seen: at(9) },
    triangulated, // first seen at(1), last seen at(5)
    { id: 7, category: 'elevator', severity: 'critical', status: 'open', location: { method: 'device' }, alarm_ids: [9], sources: ['e'], first_seen: at(2), last_seen: at(3) },
    { id: 8, category: 'flood', severity: 'critical', status: 'closed', alarm_ids: [] },
    { id: 9, category: 'flood', severity: 'critical', status: 'open', alarm_ids: [4], first_seen: at(30) },
  ]));
  assert.deepEqual(rows.map((r) => r.id), ['3', '7', '9', '1'], 'a fire before an elevator before a newer flood of one severity');
  assert.equal(rows[1].title, '电梯安全', 'a title from the category when none is sent');
  assert.equal(rows[0].methodLabel, '交汇定位');
  assert.deepEqual([rows[0].alarms, rows[0].sources], [2, 2]);
  assert.equal(rows[3].categoryInfo.label, '汛情');
  assert.deepEqual(['triangulated', 'bearing_distance', 'bearing_line', 'device', 'x', ''].map(L.methodLabel),
    ['交汇定位', '方位+距离', '单站方位线', '设备位置', 'x', '—']);
});

test('orderAlarms pins elevator alarms, then lists the rest latest first', () => {
  const devices = byId([{ id: 'el-1', kind: 'elevator' }, { id: 'hy-1', kind: 'hydrology' }]);
  const alarms = byId([
    { id: 1, source: 'hy-1', category: 'flood', severity: 'critical', last_seen: at(1) },
    { id: 2, source: 'el-1', category: 'elevator', severity: 'major', last_seen: at(2) },
    { id: 3, source: 'hy-1', category: 'flood', severity: 'minor', last_seen: at(9) },
    { id: 4, source: 'el-1', severity: 'critical', last_seen: at(1) }, // no category: from the device kind
    { id: 5, source: 'el-1', category: 'device', severity: 'warning', last_seen: at(8) }, // 离线: not pinned
  ]);
  assert.deepEqual(V.orderAlarms(alarms, devices).map((a) => a.id), [4, 2, 3, 5, 1]);
  assert.equal(V.alarmCategory({ kind: 'firecam' }, devices), 'forest_fire');
  assert.equal(V.alarmCategory({ source: 'nobody' }, devices), 'device');
});

test('commentsByAlarm groups comments, oldest first', () => {
  const m = V.commentsByAlarm(byId([
    { id: 1, alarm_id: 7, at: at(5), text: 'b' }, { id: 2, alarm_id: 7, at: at(1), text: 'a' }, { id: 3, alarm_id: 8, at: at(2), text: 'c' },
  ]));
  assert.deepEqual(m.get('7').map((c) => c.text), ['a', 'b']);
  assert.equal(m.get('8').length, 1);
});

test('onlineRows: the hub summary when there is one, else counted from devices', () => {
  const devices = byId([
    { id: 'a', kind: 'firecam', online: true }, { id: 'b', kind: 'firecam', online: false, alarm_severity: 'major' },
    { id: 'c', kind: 'elevator', online: true },
  ]);
  const own = V.onlineRows(null, devices, ['firecam', 'elevator', 'hydrology']);
  assert.equal(own.fromHub, false);
  assert.deepEqual(own.all, { total: 3, online: 2, rate: 2 / 3, alarmed: 1 });
  assert.deepEqual(own.kinds.map((k) => [k.kind, k.online, k.total, k.rate, k.alarmed]),
    [['firecam', 1, 2, 0.5, 1], ['elevator', 1, 1, 1, 0], ['hydrology', 0, 0, null, 0]]);
  const hub = { all: { total: 10, online: 9, rate: 0.9 }, by_kind: { firecam: { total: 4, online: 3, rate: 0.75 }, lidar: { total: 1, online: 1, rate: 1 } } };
  const rows = V.onlineRows(hub, devices, ['firecam', 'elevator']);
  assert.equal(rows.fromHub, true);
  assert.deepEqual(rows.all, { total: 10, online: 9, rate: 0.9, alarmed: 1 });
  assert.deepEqual(rows.kinds.map((k) => [k.kind, k.rate]), [['firecam', 0.75], ['elevator', null], ['lidar', 1]]);
  assert.deepEqual([0.99, 0.9, 0.5, null].map(V.rateClass), ['is-good', 'is-warn', 'is-bad', '']);
  assert.deepEqual([1, 0.987, 0, null].map(V.formatRate), ['100%', '98.7%', '0%', '—']);
});

test('mergeProfiles adds derived labels and units, keeps the page\'s own', () => {
  const kinds = { hydrology: { metrics: { water_level_m: { label: '水位', unit: 'm' } } } };
  const added = L.mergeProfiles(kinds, {
    hydrology: {
      metrics: { water_level_m: { label: 'water level', unit: 'm' }, stage_m: { label: '水尺读数', unit: 'm' } },
      derived: { rain_6h: { label: '6小时降水量', unit: 'mm', type: 'sum' } },
    },
    lidar: { metrics: { range_m: { label: '距离', unit: 'm' } } },
  });
  assert.equal(added, 3);
  assert.equal(kinds.hydrology.metrics.water_level_m.label, '水位');
  assert.deepEqual(kinds.hydrology.metrics.rain_6h, { label: '6小时降水量', unit: 'mm' });
  assert.equal(kinds.lidar, undefined, 'an unknown kind is not drawn as a kind of its own');
  assert.equal(L.metricLabel('lidar', 'range_m'), '距离');
  assert.equal(L.formatMetric('lidar', 'range_m', 12.5), '12.5 m');
  assert.equal(L.formatMetric('hydrology', 'level_rise_mh', 0.52), '0.52 m/h', 'derived values have local labels too');
  assert.equal(L.mergeProfiles(kinds, null), 0);
});
