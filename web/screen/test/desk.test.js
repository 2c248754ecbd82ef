// Tests of src/desk.js, the logic of the operator console and the agency
// page: which buttons each role gets in each state, the forms' checks, the
// JSON each button posts (always with the case's version), the SLA clock,
// queue rows and the 上报 body. `npm test` (node --test).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const D = require('../src/desk.js');
const L = require('../src/labels.js');

// The roles of docs/dispatch.md "Who may do what", as GET /api/v1/me lists
// their actions.
const MAY = {
  register: ['operator', 'chief', 'admin'], reject: ['operator', 'chief', 'admin'],
  dispatch: ['dispatcher', 'chief', 'admin'],
  accept: ['agency', 'admin'], return: ['agency', 'admin'], resolve: ['agency', 'admin'],
  'request-extension': ['agency', 'admin'], progress: ['agency', 'admin'], 'report-in': ['agency', 'admin'],
  verify: ['supervisor', 'chief', 'admin'], 'decide-extension': ['chief', 'supervisor', 'admin'],
  suspend: ['chief', 'admin'], resume: ['chief', 'admin'], 'activate-plan': ['chief', 'admin'],
  'stand-down': ['chief', 'admin'], evaluate: ['operator', 'chief', 'admin'],
  comment: ['operator', 'chief', 'dispatcher', 'agency', 'supervisor', 'grid', 'admin'],
};
const ROLES = ['operator', 'chief', 'dispatcher', 'agency', 'supervisor', 'grid', 'viewer', 'admin'];
const me = (role, agency) => ({
  name: role, role, agency: agency || '',
  actions: Object.keys(MAY).filter((a) => MAY[a].includes(role)),
  may_report: ['operator', 'chief', 'grid', 'admin'].includes(role),
  may_work_alarms: ['operator', 'chief', 'admin'].includes(role),
  may_unmask: ['operator', 'chief', 'dispatcher', 'admin'].includes(role) ? 'all' : role === 'agency' ? 'own_cases' : 'none',
});

const STATES = ['reported', 'registered', 'dispatched', 'accepted', 'returned', 'resolved', 'suspended', 'closed', 'rejected'];
const LEAD = 'alxa-left-urban';
const HELPER = 'alxa-left-fire';

const kase = (state, extra) => ({
  id: 42, no: 'YW20261121000042', category: '01.01.01', severity: 'minor', title: '井盖缺失', state,
  agency_id: ['reported', 'registered'].includes(state) ? '' : LEAD,
  tasks: ['reported', 'registered'].includes(state) ? [] : [
    { agency_id: LEAD, role: 'lead', task: '主办' },
    { agency_id: HELPER, role: 'assist', task: '协办' },
  ],
  version: 7, ...extra,
});
const consoleCtx = { page: 'console', plans: 2 };
const agencyCtx = (agency) => ({ page: 'agency', agency });

test('a viewer is offered no action in any state, on either page', () => {
  const viewer = me('viewer');
  assert.deepEqual(viewer.actions, []);
  for (const st of STATES) {
    assert.deepEqual(D.buttonsFor(viewer, kase(st), consoleCtx), [], st);
    assert.deepEqual(D.buttonsFor(viewer, kase(st), agencyCtx(LEAD)), [], st);
    // even if a /me answer listed actions, a viewer gets none
    assert.deepEqual(D.buttonsFor({ ...me('admin'), role: 'viewer' }, kase(st), consoleCtx), [], st);
  }
});

test('admin on the console: the buttons follow the state', () => {
  const admin = me('admin');
  const want = {
    reported: ['register', 'reject', 'activate-plan'],
    registered: ['dispatch', 'suspend', 'activate-plan'],
    dispatched: ['suspend', 'activate-plan'],
    accepted: ['suspend', 'activate-plan'],
    returned: ['dispatch', 'suspend', 'activate-plan'],
    resolved: ['verify-pass', 'verify-fail', 'activate-plan'],
    suspended: ['resume', 'activate-plan'],
    closed: [],
    rejected: [],
  };
  for (const st of STATES) assert.deepEqual(D.buttonsFor(admin, kase(st), consoleCtx), want[st], st);
});

test('each console role sees only its own actions', () => {
  const ids = (role, st, extra) => D.buttonsFor(me(role), kase(st, extra), consoleCtx);
  assert.deepEqual(ids('operator', 'reported'), ['register', 'reject']);
  assert.deepEqual(ids('operator', 'registered'), []);
  assert.deepEqual(ids('dispatcher', 'reported'), []);
  assert.deepEqual(ids('dispatcher', 'registered'), ['dispatch']);
  assert.deepEqual(ids('dispatcher', 'returned'), ['dispatch']);
  assert.deepEqual(ids('supervisor', 'resolved'), ['verify-pass', 'verify-fail']);
  assert.deepEqual(ids('supervisor', 'registered'), []);
  assert.deepEqual(ids('grid', 'reported'), []);
  assert.deepEqual(ids('agency', 'dispatched'), [], 'agency actions are not on the console');
  assert.deepEqual(ids('chief', 'accepted'), ['suspend', 'activate-plan']);
});

test('延期审批 shows only while an extension is pending; 启动预案 not while a plan is active, 预案终止 only then', () => {
  const pending = { extensions: [{ extra: '2h', reason: '材料未到', status: 'pending', requested_by: 'x' }] };
  assert.deepEqual(D.buttonsFor(me('supervisor'), kase('accepted', pending), consoleCtx), ['extension-approve', 'extension-deny']);
  assert.deepEqual(D.buttonsFor(me('supervisor'), kase('accepted', { extensions: [{ status: 'denied' }] }), consoleCtx), []);
  assert.deepEqual(D.buttonsFor(me('chief'), kase('accepted', pending), consoleCtx), ['suspend', 'extension-approve', 'extension-deny', 'activate-plan']);
  const active = { plan: { plan_id: 'p', name: '森林火灾', activated_at: '2026-11-21T01:00:00Z' } };
  assert.deepEqual(D.buttonsFor(me('chief'), kase('registered', active), consoleCtx), ['dispatch', 'suspend', 'stand-down']);
  assert.deepEqual(D.buttonsFor(me('dispatcher'), kase('registered', active), consoleCtx), ['dispatch'], 'a dispatcher may not stand down');
  assert.deepEqual(D.buttonsFor(me('admin'), kase('closed', active), consoleCtx), ['stand-down'], 'the plan, not the state');
  const down = { plan: { plan_id: 'p', stood_down_at: '2026-11-21T02:00:00Z' } };
  assert.ok(D.buttonsFor(me('chief'), kase('registered', down), consoleCtx).includes('activate-plan'));
  assert.ok(!D.buttonsFor(me('chief'), kase('registered', down), consoleCtx).includes('stand-down'));
  assert.ok(!D.buttonsFor(me('chief'), kase('registered'), consoleCtx).includes('stand-down'));
  assert.ok(!D.buttonsFor(me('chief'), kase('registered'), { page: 'console', plans: 0 }).includes('activate-plan'));
});

test('agency page: the lead signs, returns, resolves and asks for time; an assisting agency reports in', () => {
  const lead = me('agency', LEAD);
  const helper = me('agency', HELPER);
  const other = me('agency', 'somebody-else');
  const ids = (who, st, ctxAgency, extra) => D.buttonsFor(who, kase(st, extra), agencyCtx(ctxAgency));
  assert.deepEqual(ids(lead, 'dispatched', LEAD), ['accept', 'return', 'progress']);
  assert.deepEqual(ids(lead, 'accepted', LEAD), ['resolve', 'progress', 'request-extension']);
  assert.deepEqual(ids(lead, 'resolved', LEAD), []);
  assert.deepEqual(ids(lead, 'suspended', LEAD), []);
  assert.deepEqual(ids(helper, 'dispatched', HELPER), ['progress', 'report-in']);
  assert.deepEqual(ids(helper, 'accepted', HELPER), ['progress', 'report-in']);
  assert.deepEqual(ids(other, 'dispatched', 'somebody-else'), []);
  // an agency user acts for its own agency whatever the page's ?agency= says
  assert.deepEqual(ids(helper, 'dispatched', LEAD), ['progress', 'report-in']);
  // reported in already: no second 报到
  const done = { tasks: [{ agency_id: LEAD, role: 'lead' }, { agency_id: HELPER, role: 'assist', reported_at: '2026-11-21T01:00:00Z' }] };
  assert.deepEqual(ids(helper, 'dispatched', HELPER, done), ['progress']);
  // an extension already pending: no second request
  const pending = { extensions: [{ status: 'pending', extra: '2h', reason: 'x' }] };
  assert.deepEqual(ids(lead, 'accepted', LEAD, pending), ['resolve', 'progress']);
  // admin acts for the lead (dispatch's ownTask), so on the lead's page only,
  // and cannot report in for an assisting agency
  assert.deepEqual(ids(me('admin'), 'dispatched', LEAD), ['accept', 'return', 'progress']);
  assert.deepEqual(ids(me('admin'), 'dispatched', HELPER), []);
  assert.deepEqual(ids(me('supervisor'), 'dispatched', LEAD), []);
});

test('every role × state gives only buttons the role may take and the state allows', () => {
  for (const role of ROLES) {
    for (const st of STATES) {
      for (const ctx of [consoleCtx, agencyCtx(LEAD), agencyCtx(HELPER)]) {
        for (const id of D.buttonsFor(me(role, ctx.agency), kase(st), ctx)) {
          const b = D.BUTTONS[id];
          assert.ok(MAY[b.action].includes(role), `${role} ${st} ${id}`);
          assert.equal(b.page, ctx.page);
          assert.notEqual(st, 'closed');
          assert.notEqual(st, 'rejected');
        }
      }
    }
  }
});

test('forms: required fields, extra time and photo URLs are checked', () => {
  assert.match(D.validate('reject', {}), /不予立案理由/);
  assert.equal(D.validate('reject', { reason: '重复上报' }), '');
  assert.match(D.validate('resolve', { note: '  ' }), /处置情况/);
  assert.match(D.validate('resolve', { note: '已补装井盖', photos: 'ftp://x/y.jpg' }), /http/);
  assert.equal(D.validate('resolve', { note: '已补装井盖', photos: 'https://img.example/1.jpg\nhttp://img.example/2.jpg' }), '');
  assert.match(D.validate('request-extension', { extra: '两小时', reason: '等待配件' }), /格式/);
  assert.equal(D.validate('request-extension', { extra: '2h', reason: '等待配件' }), '');
  assert.equal(D.validate('request-extension', { extra: '1wd', reason: '等待配件' }), '');
  assert.match(D.validate('dispatch', { agency_id: '' }), /主办部门/);
  assert.equal(D.validate('register', {}), '');
  assert.match(D.validate('nope', {}), /未知/);
});

test('requests carry the version and each action’s fields', () => {
  const c = kase('registered', { suggestion: { agency_id: LEAD, reason: 'x' } });
  assert.deepEqual(D.request('register', c, {}), { path: 'api/v1/cases/42/register', body: { version: 7 } });
  assert.deepEqual(D.request('dispatch', c, { agency_id: LEAD, assists: [HELPER, LEAD], note: '' }), {
    path: 'api/v1/cases/42/dispatch',
    body: { version: 7, agency_id: LEAD, assists: [{ agency_id: HELPER, task: '协办' }] },
  });
  assert.deepEqual(D.request('verify-pass', c, {}).body, { version: 7, pass: true });
  assert.deepEqual(D.request('verify-fail', c, { reason: '井盖未固定' }), {
    path: 'api/v1/cases/42/verify', body: { version: 7, reason: '井盖未固定', pass: false } });
  assert.deepEqual(D.request('extension-approve', c, {}), { path: 'api/v1/cases/42/decide-extension', body: { version: 7, approve: true } });
  assert.deepEqual(D.request('extension-deny', c, { note: '' }).body, { version: 7, approve: false });
  assert.deepEqual(D.request('resolve', c, { note: ' 已补装 ', photos: 'https://a/1.jpg https://a/2.jpg' }).body,
    { version: 7, note: '已补装', photos: ['https://a/1.jpg', 'https://a/2.jpg'] });
  assert.deepEqual(D.request('request-extension', c, { extra: ' 2 h', reason: '等待配件' }), {
    path: 'api/v1/cases/42/request-extension', body: { version: 7, extra: '2h', reason: '等待配件' } });
  assert.deepEqual(D.request('activate-plan', c, { plan_id: 'forest-fire-3', note: '' }).body, { version: 7, plan_id: 'forest-fire-3' });
  assert.deepEqual(D.request('report-in', c, {}), { path: 'api/v1/cases/42/report-in', body: { version: 7 } });
  assert.deepEqual(D.request('report-in', c, { note: '已到现场' }).body, { version: 7, note: '已到现场' });
  assert.deepEqual(D.request('stand-down', c, { note: '火情已扑灭' }), {
    path: 'api/v1/cases/42/stand-down', body: { version: 7, note: '火情已扑灭' } });
  assert.deepEqual(D.request('stand-down', c, {}).body, { version: 7 });
  assert.match(D.validate('return', { reason: ' ' }), /退回理由/);
  assert.equal(D.request('suspend', c, { reason: '待协调' }).path, 'api/v1/cases/42/suspend');
  assert.equal(D.request('resume', c, {}).path, 'api/v1/cases/42/resume');
  assert.equal(D.request('return', c, { reason: '非本部门职责' }).body.reason, '非本部门职责');
});

test('SLA clock: stage, due, remaining, overdue and paused', () => {
  const now = new Date('2026-11-21T10:00:00+08:00');
  const at = (s) => new Date(s).toISOString();
  const running = D.slaView({ sla: { stage: 'sign', due: at('2026-11-21T11:20:00+08:00') } }, now, L);
  assert.equal(running.stage, '签收');
  assert.equal(running.remaining, '剩余 1小时20分');
  assert.equal(running.overdue, false);
  const late = D.slaView({ sla: { stage: 'resolve', due: at('2026-11-21T09:55:00+08:00') } }, now, L);
  assert.equal(late.remaining, '超期 5分');
  assert.equal(late.overdue, true);
  assert.equal(D.slaView({ sla: { stage: 'verify', due: at('2026-11-23T10:00:00+08:00'), overdue: true } }, now, L).overdue, true);
  const paused = D.slaView({ sla: { stage: 'resolve', due: at('2026-11-21T12:00:00+08:00'), paused_at: at('2026-11-21T09:00:00+08:00') } }, now, L);
  assert.equal(paused.remaining, '已暂停 · 剩余 3小时');
  assert.equal(D.slaView({}, now, L), null);
  assert.equal(D.slaView({ sla: { stage: 'sign', due: 'junk' } }, now, L), null);
  assert.equal(D.formatDuration(30 * 1000), '不足1分');
  assert.equal(D.formatDuration(2 * 86400000 + 3 * 3600000), '2天3小时');
  assert.equal(D.formatDuration(-(61 * 60000)), '1小时1分');
});

test('queue rows: labels, agency name, red when overdue', () => {
  L.mergeAgencies([{ id: LEAD, name: '阿拉善左旗城市管理综合执法局' }]);
  const now = new Date('2026-11-21T10:00:00Z');
  const r = D.caseRow(kase('dispatched', { sla: { stage: 'sign', due: '2026-11-21T09:00:00Z' } }), now, L, () => '井盖缺失');
  assert.equal(r.no, 'YW20261121000042');
  assert.equal(r.state, '已派遣');
  assert.equal(r.agency, '阿拉善左旗城市管理综合执法局');
  assert.equal(r.category, '井盖缺失');
  assert.equal(r.overdue, true);
  const fresh = D.caseRow(kase('reported'), now, L);
  assert.equal(fresh.agency, '—');
  assert.equal(fresh.due, '—');
  assert.equal(fresh.overdue, false);
});

test('queue filters map to ?state=', () => {
  assert.deepEqual(D.STATE_FILTERS.map((f) => f.label), ['待受理', '已立案', '已派遣', '处置中', '已反馈', '退回', '挂账', '全部']);
  assert.equal(D.queuePath('reported'), 'api/v1/cases?state=reported');
  assert.equal(D.queuePath('accepted'), 'api/v1/cases?state=accepted');
  assert.equal(D.queuePath('all'), 'api/v1/cases?limit=200');
  assert.equal(D.queuePath('bogus'), 'api/v1/cases?state=reported');
  for (const f of D.STATE_FILTERS) for (const s of f.states) assert.ok(L.CASE_STATE[s], s);
});

test('上报 body: category, description and a point or an address', () => {
  assert.deepEqual(D.reportBody({ category: '01.01.01', description: '井盖缺失', lon: '105.67', lat: '38.84', address: '' }),
    { body: { category: '01.01.01', description: '井盖缺失', source: 'manual', lon: 105.67, lat: 38.84 } });
  assert.deepEqual(D.reportBody({ category: '01.01.01', description: '井盖缺失', address: '巴彦浩特镇王府街' }).body.address, '巴彦浩特镇王府街');
  assert.match(D.reportBody({ category: '', description: 'x', address: 'y' }).error, /类别/);
  assert.match(D.reportBody({ category: 'c', description: ' ', address: 'y' }).error, /描述/);
  assert.match(D.reportBody({ category: 'c', description: 'x' }).error, /经纬度或地址/);
  assert.match(D.reportBody({ category: 'c', description: 'x', lon: '105' }).error, /同时/);
  assert.match(D.reportBody({ category: 'c', description: 'x', lon: '200', lat: '38' }).error, /范围/);
});

test('labels: roles, timeline actions, errors', () => {
  assert.equal(D.roleLabel('supervisor'), '监督员');
  assert.equal(D.eventLabel('report-in'), '报到');
  assert.equal(D.sourceLabel('hotline'), '12345热线');
  assert.equal(D.sourceLabel('x'), 'x');
  assert.equal(D.suggestionTitle('registered'), '派遣建议');
  assert.equal(D.suggestionTitle('closed'), '路由建议（派遣时）');
  assert.equal(D.eventLabel('sla-overdue'), '超期');
  assert.equal(D.eventLabel('new-thing'), 'new-thing');
  assert.match(D.errorText(409, { reason: 'conflict', error: 'x' }), /已被他人更新/);
  assert.match(D.errorText(409, { reason: 'illegal_transition', error: 'cannot accept' }), /状态已变化/);
  assert.match(D.errorText(0, { error: '无法连接服务器' }), /无法连接/);
  assert.match(D.errorText(500, null), /HTTP 500/);
  assert.match(D.errorText(401, { error: 'missing token' }), /^未授权：请输入访问令牌/);
  assert.equal(D.errorText(403, { error: '角色 viewer 不能确认告警', reason: 'forbidden' }), '无权限：角色 viewer 不能确认告警');
});

// ---- the console's alarm list

const alarm = (extra) => ({
  id: 17, source: 'hy-hh-01', type: 'water_level_over_warning', label: '超警戒水位', severity: 'major', status: 'active',
  acked: false, count: 3, first_seen: '2026-11-21T01:00:00Z', last_seen: '2026-11-21T01:05:00Z', metric: 'water_level_m',
  value: 1070.9, threshold: 1070, kind: 'hydrology', category: 'flood', region_code: '152921', version: 4, ...extra,
});

test('alarm buttons: 值班员, 值班长 and admin 确认 (until acknowledged), 备注 and 指派; every other role none', () => {
  for (const role of ROLES) {
    const got = D.alarmButtons(me(role), alarm());
    if (['operator', 'chief', 'admin'].includes(role)) assert.deepEqual(got, ['ack', 'comment', 'assign'], role);
    else assert.deepEqual(got, [], role);
  }
  assert.deepEqual(D.alarmButtons(me('operator'), alarm({ acked: true, acked_by: '值班员王' })), ['comment', 'assign']);
  assert.deepEqual(D.alarmButtons(me('chief'), alarm({ status: 'cleared' })), [], 'a cleared alarm is done');
  assert.deepEqual(D.alarmButtons(null, alarm()), []);
  assert.deepEqual(D.alarmButtons({ ...me('admin'), may_work_alarms: false }, alarm()), [], 'the hub says no: none, whatever the role');
  assert.deepEqual(D.alarmButtons({ ...me('viewer'), may_work_alarms: true }, alarm()), ['ack', 'comment', 'assign'], 'the hub says yes');
});

test('alarm requests: ack posts nothing, 备注 {text}, 指派 {assignee}; forms are checked', () => {
  assert.deepEqual(D.alarmRequest('ack', alarm(), {}), { path: 'api/v1/alarms/17/ack', body: null });
  assert.deepEqual(D.alarmRequest('comment', alarm(), { text: ' 已通知水务局巡查 ' }),
    { path: 'api/v1/alarms/17/comments', body: { text: '已通知水务局巡查' } });
  assert.deepEqual(D.alarmRequest('assign', alarm(), { assignee: '阿拉善左旗水务局 ' }),
    { path: 'api/v1/alarms/17/assign', body: { assignee: '阿拉善左旗水务局' } });
  assert.equal(D.validateAlarm('ack', {}), '');
  assert.match(D.validateAlarm('comment', { text: '  ' }), /备注内容/);
  assert.match(D.validateAlarm('comment', { text: '字'.repeat(4001) }), /4000/);
  assert.equal(D.validateAlarm('comment', { text: '字'.repeat(4000) }), '');
  assert.match(D.validateAlarm('assign', {}), /处理人/);
  assert.match(D.validateAlarm('assign', { assignee: 'x'.repeat(129) }), /128/);
  assert.match(D.validateAlarm('nope', {}), /未知/);
});

test('alarms: active only, the latest first; rows carry severity, value against threshold, ack and assignee', () => {
  const list = [
    alarm({ id: 1, last_seen: '2026-11-21T01:00:00Z' }),
    alarm({ id: 2, last_seen: '2026-11-21T03:00:00Z' }),
    alarm({ id: 3, last_seen: '2026-11-21T02:00:00Z', status: 'cleared' }),
    alarm({ id: 4, last_seen: '2026-11-21T03:00:00Z' }),
  ];
  assert.deepEqual(D.orderAlarms(list).map((a) => a.id), [4, 2, 1]);
  assert.deepEqual(D.orderAlarms(null), []);
  const r = D.alarmRow(alarm({ acked: true, acked_by: '值班员王', assignee: '水务局' }), L, new Date('2026-11-21T02:00:00Z'));
  assert.equal(r.severity, 'major');
  assert.equal(r.severityLabel, L.SEVERITY.major.label);
  assert.equal(r.title, '超警戒水位');
  assert.equal(r.category, '汛情');
  assert.equal(r.value, '水位 1070.9 m');
  assert.equal(r.threshold, '1070 m');
  assert.equal(r.count, 3);
  assert.equal(r.ackedBy, '值班员王');
  assert.equal(r.assignee, '水务局');
  const bare = D.alarmRow({ id: 9, type: 'offline', severity: 'odd', kind: 'elevator' }, L);
  assert.equal(bare.title, 'offline');
  assert.equal(bare.severityLabel, 'odd');
  assert.equal(bare.value, '');
  assert.equal(bare.category, '电梯安全', 'the category follows the kind');
});

test('severity colours: theme.css --sev-* are the screen\'s (labels.js SEVERITIES)', () => {
  const css = require('node:fs').readFileSync(require('node:path').join(__dirname, '../src/theme.css'), 'utf8');
  for (const s of L.SEVERITIES) {
    const m = css.match(new RegExp('--sev-' + s.id + ':\\s*(#[0-9a-fA-F]{6})'));
    assert.ok(m, '--sev-' + s.id + ' missing from theme.css');
    assert.equal(m[1].toLowerCase(), s.color.toLowerCase(), s.id);
  }
});

// ---- the reporter

test('reporter: shown as the hub masks it; 查看 for the command centre and an agency on its own case', () => {
  const masked = { reporter: { name: '张*', phone: '138****1234', masked: true } };
  assert.deepEqual(D.reporterView(kase('dispatched', masked)), { name: '张*', phone: '138****1234', masked: true, textMasked: false });
  assert.deepEqual(D.reporterView(kase('dispatched', { reporter: { name: '张三' } })), { name: '张三', phone: '—', masked: false, textMasked: false });
  const onlyText = { reporter: { masked: true, text_masked: true } };
  assert.deepEqual(D.reporterView(kase('dispatched', onlyText)), { name: '—', phone: '—', masked: true, textMasked: true },
    'a number typed into the description: 查看 shows the text as written');
  assert.equal(D.reporterButton(me('operator'), kase('dispatched', onlyText)), true);
  assert.equal(D.reporterView(kase('dispatched')), null);
  assert.equal(D.reporterView(kase('dispatched', { reporter: { masked: true } })), null, 'nothing to show');
  const want = { operator: true, chief: true, dispatcher: true, admin: true, agency: false, supervisor: false, grid: false, viewer: false };
  for (const role of ROLES) assert.equal(D.reporterButton(me(role), kase('dispatched', masked)), want[role], role);
  assert.equal(D.reporterButton(me('agency', LEAD), kase('dispatched', masked)), true, 'the lead agency');
  assert.equal(D.reporterButton(me('agency', HELPER), kase('dispatched', masked)), true, 'an assisting agency');
  assert.equal(D.reporterButton(me('agency', 'somebody-else'), kase('dispatched', masked)), false);
  assert.equal(D.reporterButton(me('agency', LEAD), kase('reported', masked)), false, 'not yet its case');
  assert.equal(D.reporterButton({ ...me('viewer'), may_unmask: 'all' }, kase('dispatched', masked)), true, 'the hub decides, not the role');
  assert.equal(D.reporterButton({ ...me('admin'), may_unmask: undefined }, kase('dispatched', masked)), false, 'an older hub: no button');
  assert.equal(D.reporterButton(me('admin'), kase('dispatched', { reporter: { name: '张三', phone: '13812341234' } })), false,
    'nothing hidden, nothing to view');
  assert.deepEqual(D.reporterFields({ name: '张三', phone: '13812341234', email: '', id_no: '152921199001011234' }),
    [['姓名', '张三'], ['电话', '13812341234'], ['证件号码', '152921199001011234']]);
  assert.deepEqual(D.reporterFields({ description: '来电13812341234', title: '' }), [['原始描述', '来电13812341234']]);
  assert.deepEqual(D.reporterFields(null), []);
});
