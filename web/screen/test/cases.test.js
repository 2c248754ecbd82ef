// Tests of the case views in src/views.js and the case labels in
// src/labels.js: the 案件办理 funnel and state counts, the 部门排名 rows, the
// active-plan banner, which cases go on the map and the ticker, on entities
// shaped like the hub's case, plan and kpi. `npm test` (node --test).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const V = require('../src/views.js');
const L = require('../src/labels.js');

const byId = (list) => new Map(list.map((x) => [String(x.id), x]));
const t = (h, m) => `2026-11-21T${String(h).padStart(2, '0')}:${String(m || 0).padStart(2, '0')}:00Z`;

// A case as the dispatch loop publishes it (model.Case, reporter removed).
const kase = (id, state, extra) => ({
  id, no: `YW20261121${String(id).padStart(6, '0')}`, source: 'grid', category: '01.01.05', severity: 'minor',
  title: '井盖缺失', lon: 105.67, lat: 38.84, region_code: '152921100', state, agency_id: '',
  reworks: 0, returns: 0, created_at: t(1, id), updated_at: t(2, id), version: 3, ...extra,
});

// kpi "today" as TodayFigures sends it.
const today = {
  as_of: t(8),
  by_state: { reported: 2, registered: 1, dispatched: 3, accepted: 2, closed: 4, rejected: 1, resolved: 0, queued: 1 },
  funnel: { reported: 13, registered: 10, dispatched: 9, resolved: 6, closed: 4 },
  overdue: 2,
  on_time_resolve_rate: 0.875,
  agencies: [
    { key: 'alsz-urban', name: '阿拉善左旗城市管理综合执法局', cases: 5, registered: 5, dispatched: 5, resolved: 4, resolved_on_time: 3, overdue: 1,
      closed: 3, closed_on_time: 3, reworked: 0, extended: 0, rates: { resolve_rate: 0.8, on_time_resolve_rate: 0.6 }, score: 71.25, rank: 3 },
    { key: 'alsz-forestry', name: '阿拉善左旗林草局', cases: 2, rates: { on_time_resolve_rate: 1 }, score: 96.5, rank: 1 },
    { key: 'alsz-water', name: '阿拉善左旗水务局', cases: 1, rates: {}, score: 90, rank: 2 },
    { key: 'ejn-gov', name: '', cases: 1, rates: { on_time_resolve_rate: 0.9 }, score: 80, rank: 4 },
  ],
};

test('case state labels, colours and open states', () => {
  assert.deepEqual(L.CASE_STATES.map((s) => s.label),
    ['待受理', '已立案', '已派遣', '处置中', '退回', '已反馈', '挂账', '已结案', '不予立案']);
  assert.deepEqual(['reported', 'registered', 'rejected', 'dispatched', 'accepted', 'returned', 'resolved', 'closed', 'suspended']
    .map((s) => L.caseStateInfo(s).label), ['待受理', '已立案', '不予立案', '已派遣', '处置中', '退回', '已反馈', '已结案', '挂账']);
  assert.equal(L.caseStateInfo('closed').open, false);
  assert.equal(L.caseStateInfo('rejected').open, false);
  assert.equal(L.caseStateInfo('suspended').open, true, '挂账 is still open');
  assert.deepEqual([L.caseStateInfo('merged').label, L.caseStateInfo('merged').open], ['merged', true], 'an unknown state shows raw');
  assert.deepEqual(L.FUNNEL_STEPS.map((s) => s.label), ['上报', '立案', '派遣', '处置', '结案']);
  assert.equal(L.slaStageLabel('resolve'), '处置');
});

test('caseFunnel: the five steps with their share of 上报', () => {
  const f = V.caseFunnel(today);
  assert.deepEqual(f.map((s) => [s.label, s.n]), [['上报', 13], ['立案', 10], ['派遣', 9], ['处置', 6], ['结案', 4]]);
  assert.equal(f[0].share, 1);
  assert.equal(f[1].shareText, '77%');
  assert.equal(f[4].share, 4 / 13);
  const none = V.caseFunnel({ funnel: {} });
  assert.deepEqual(none.map((s) => [s.n, s.share, s.shareText]), Array(5).fill([0, null, '—']), 'nothing reported: no shares');
  assert.deepEqual(V.caseFunnel(null).map((s) => s.n), [0, 0, 0, 0, 0]);
});

test('caseSummary: states in the loop\'s order, overdue, 按期处置率', () => {
  const s = V.caseSummary(today);
  assert.equal(s.known, true);
  assert.deepEqual(s.states.map((r) => `${r.label}${r.n}`), ['待受理2', '已立案1', '已派遣3', '处置中2', '已结案4', '不予立案1', 'queued1'],
    'none with zero; an unknown state last');
  assert.equal(s.states[0].color, L.caseStateInfo('reported').color);
  assert.equal(s.open, 2 + 1 + 3 + 2 + 1, 'open = not 已结案 / 不予立案');
  assert.equal(s.overdue, 2);
  assert.equal(s.onTimeText, '87.5%');
  assert.equal(s.onTimeClass, 'is-warn');
  const quiet = V.caseSummary({ as_of: t(8), by_state: {}, funnel: {}, overdue: 0, agencies: [] });
  assert.deepEqual([quiet.overdue, quiet.onTimeRate, quiet.onTimeText, quiet.states.length], [0, null, '—', 0], 'rate absent when nothing was due');
  const unknown = V.caseSummary(null);
  assert.deepEqual([unknown.known, unknown.overdue, unknown.onTimeText], [false, null, '—'], 'an older hub sends no kpi');
});

test('agencyRanking: top agencies by rank with score and 按期处置率', () => {
  L.mergeAgencies([{ id: 'ejn-gov', name: '额济纳旗人民政府', type: 'government', region: '152923' }]);
  const rows = V.agencyRanking(today);
  assert.deepEqual(rows.map((r) => [r.rank, r.name, r.scoreText, r.onTimeText]), [
    [1, '阿拉善左旗林草局', '96.5', '100%'],
    [2, '阿拉善左旗水务局', '90.0', '—'],
    [3, '阿拉善左旗城市管理综合执法局', '71.3', '60.0%'],
    [4, '额济纳旗人民政府', '80.0', '90.0%'],
  ]);
  assert.deepEqual([rows[0].onTimeClass, rows[2].onTimeClass, rows[1].onTimeClass], ['is-good', 'is-bad', '']);
  assert.equal(rows[2].overdue, 1);
  const many = { agencies: Array.from({ length: 12 }, (_, i) => ({ key: 'a' + i, name: 'A' + i, score: 50 + i, rank: 12 - i, rates: {} })) };
  const top = V.agencyRanking(many);
  assert.equal(top.length, 8, 'the top eight');
  assert.deepEqual(top.slice(0, 2).map((r) => r.key), ['a11', 'a10']);
  assert.deepEqual(V.agencyRanking(null), []);
  assert.deepEqual(V.agencyRanking({ agencies: [{ key: 'x', score: 1 }, { key: 'y', score: 9 }] }).map((r) => [r.key, r.rank]),
    [['y', 1], ['x', 2]], 'without ranks: by score');
});

test('planBanners: 【级别响应】预案 · 案件 · 已预置资源 N, the gravest then the latest first', () => {
  const plans = byId([
    { id: 7, case_id: 7, case_no: 'YW20261121000007', title: '贺兰山南寺林区森林火情', plan_id: 'forest-fire-iv',
      name: '阿拉善盟森林草原火灾应急预案（Ⅳ级响应）', level: 'Ⅳ级', region_code: '152921', activated_at: t(6), resources: ['r1', 'r2', 'r3', 'r4'] },
    { id: 9, case_id: 9, case_no: 'YW20261121000009', title: '', plan_id: 'flood-iii', name: '防汛应急预案', level: 'Ⅲ级', activated_at: t(7), resources: [] },
  ]);
  const b = V.planBanners(plans);
  assert.deepEqual(b.map((x) => x.id), ['9', '7']);
  assert.equal(b[1].text, '【Ⅳ级响应】阿拉善盟森林草原火灾应急预案 · 贺兰山南寺林区森林火情 · 已预置资源 4', 'the level is not written twice');
  assert.equal(b[0].text, '【Ⅲ级响应】防汛应急预案 · YW20261121000009 · 已预置资源 0', 'the case no. when there is no title');
  assert.equal(V.planBanners([{ case_id: 1, name: '森林火情应急预案', level: '', title: 'x', resources: ['a'] }])[0].text,
    '【应急响应】森林火情应急预案 · x · 已预置资源 1');
  assert.deepEqual(V.planBanners([{ case_id: 1, name: 'p', stood_down_at: t(8) }]), [], 'a stood-down plan is no banner');
  assert.deepEqual(V.planBanners(new Map()), []);
  assert.equal(V.planLevel('Ⅱ级响应'), 'Ⅱ级响应');
  const later = (id, level, h) => ({ case_id: id, name: 'p' + id, level, activated_at: t(h), resources: [] });
  assert.deepEqual(V.planBanners([later(1, 'Ⅳ级', 9), later(2, 'Ⅱ级', 5), later(3, '', 10), later(4, 'Ⅳ级', 8)]).map((x) => x.id),
    ['2', '1', '4', '3'], 'the gravest response leads, then the latest');
  assert.deepEqual(['Ⅰ级', 'III级', '4级', '三级', '特级'].map(V.levelRank), [1, 3, 4, 3, 9]);
  assert.equal(V.planName('防汛应急预案(Ⅳ级响应)'), '防汛应急预案');
});

test('caseMapItems: open cases with a place, in their state colour, overdue on top', () => {
  const cases = byId([
    kase(1, 'reported'),
    kase(2, 'accepted', { agency_id: 'alsz-urban', sla: { stage: 'resolve', due: t(9), overdue: true } }),
    kase(3, 'closed'),
    kase(4, 'rejected'),
    kase(5, 'dispatched', { lon: 0, lat: 0 }),
    kase(6, 'suspended', { lon: 101.06, lat: 41.96 }),
  ]);
  const items = V.caseMapItems(cases);
  assert.deepEqual(items.map((i) => i.caseId), ['1', '6', '2'], 'not 已结案 / 不予立案 / without a place; the overdue one last');
  assert.deepEqual(items[0].value, [105.67, 38.84]);
  assert.equal(items[0].color, L.caseStateInfo('reported').color);
  assert.equal(items[2].overdue, true);
  assert.equal(V.isOpenCase(cases.get('3')), false);
});

test('caseInfo and latestCases: no., title, state, agency name and SLA due for the tooltip and ticker', () => {
  L.mergeAgencies([{ id: 'alsz-urban', name: '阿拉善左旗城市管理综合执法局' }, { id: 'bad' }, null]);
  assert.equal(L.agencyName('alsz-urban'), '阿拉善左旗城市管理综合执法局');
  assert.equal(L.agencyName('nobody'), 'nobody', 'an unknown agency shows its id');
  assert.equal(L.agencyName(''), '');
  const now = new Date(t(8));
  const due = new Date(t(9, 30));
  const c = kase(2, 'accepted', {
    agency_id: 'alsz-urban', escalated: true,
    sla: { stage: 'resolve', start: t(3), warn_at: t(8), due: due.toISOString(), warned: true, overdue: true },
    plan: { plan_id: 'p', name: '城市内涝应急预案（Ⅳ级响应）', level: 'Ⅳ级', activated_at: t(4), resources: [] },
  });
  const x = V.caseInfo(c, now);
  assert.equal(x.no, 'YW20261121000002');
  assert.equal(x.title, '井盖缺失');
  assert.equal(x.stateLabel, '处置中');
  assert.equal(x.agency, '阿拉善左旗城市管理综合执法局');
  assert.equal(x.stageLabel, '处置');
  assert.equal(x.dueText, `${String(due.getHours()).padStart(2, '0')}:30`, 'a deadline today is HH:MM');
  assert.deepEqual([x.overdue, x.warned, x.escalated, x.plan], [true, false, true, '城市内涝应急预案']);
  const plain = V.caseInfo(kase(1, 'reported', { title: '' }), now);
  assert.deepEqual([plain.title, plain.agency, plain.dueText, plain.overdue], ['01.01.05', '', '', false], 'no agency or clock yet');
  const later = V.caseInfo(kase(3, 'dispatched', { resolve_due: '2026-11-23T02:00:00Z' }), now);
  assert.match(later.dueText, /^11-2[23] \d\d:\d\d$/, 'another day has its date');

  const cases = byId([kase(1, 'reported'), kase(2, 'accepted'), kase(3, 'closed'), kase(4, 'dispatched'), kase(5, 'registered')]);
  assert.deepEqual(V.latestCases(cases, 3, now).map((r) => r.id), ['5', '4', '2'], 'newest open first');
  assert.deepEqual(V.latestCases(new Map()), []);
});
