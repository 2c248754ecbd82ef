// desk.js — pure logic of the operator console (console.html) and the agency
// page (agency.html): which action buttons a caller sees for its role and the
// case's state, the forms behind them and the JSON they post, the SLA clock,
// the queue's filters and the timeline's labels; the console's alarm list
// (buttons by role, requests, order, rows) and the reporter's masked data. No DOM; unit-tested
// (test/desk.test.js). Case states and their labels come from labels.js.
(function (root, factory) {
  const m = factory();
  if (typeof module === 'object' && module.exports) module.exports = m;
  else root.HubDesk = m;
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  // The console's queue filters, in the loop's order; 全部 sends no state.
  const STATE_FILTERS = [
    { id: 'reported', label: '待受理', states: ['reported'] },
    { id: 'registered', label: '已立案', states: ['registered'] },
    { id: 'dispatched', label: '已派遣', states: ['dispatched'] },
    { id: 'accepted', label: '处置中', states: ['accepted'] },
    { id: 'resolved', label: '已反馈', states: ['resolved'] },
    { id: 'returned', label: '退回', states: ['returned'] },
    { id: 'suspended', label: '挂账', states: ['suspended'] },
    { id: 'all', label: '全部', states: [] },
  ];

  // queuePath is the GET of a filter's cases.
  function queuePath(filterId) {
    const f = STATE_FILTERS.find((x) => x.id === filterId) || STATE_FILTERS[0];
    return 'api/v1/cases' + (f.states.length ? '?state=' + f.states.join(',') : '?limit=200');
  }

  const ROLE_LABELS = {
    operator: '值班员', chief: '值班长', dispatcher: '派遣员', agency: '专业部门', supervisor: '监督员',
    grid: '网格员', viewer: '只读用户', admin: '管理员', system: '系统', sensor: '传感器',
  };

  function roleLabel(role) {
    return ROLE_LABELS[role] || (role ? String(role) : '—');
  }

  // Timeline actions (model.CaseEvent.action), the automatic ones included.
  const EVENT_LABELS = {
    create: '上报', register: '立案', reject: '不予立案', dispatch: '派遣', accept: '签收', return: '退回',
    progress: '进展', resolve: '反馈', 'report-in': '报到', verify: '核查', suspend: '挂账', resume: '恢复',
    'request-extension': '申请延期', 'decide-extension': '延期审批', 'activate-plan': '启动预案',
    'stand-down': '预案终止', evaluate: '评价', comment: '备注', escalate: '督办', 'sla-warning': '临期预警',
    'sla-overdue': '超期', 'report-in-missed': '未按时报到',
  };

  function eventLabel(action) {
    return EVENT_LABELS[action] || (action ? String(action) : '—');
  }

  const SOURCE_LABELS = { incident: '物联感知', hotline: '12345热线', grid: '网格员上报', open311: 'Open311', manual: '指挥台录入' };

  function sourceLabel(s) {
    return SOURCE_LABELS[s] || (s ? String(s) : '—');
  }

  // suggestionTitle: the router's proposal while someone must choose an
  // agency, afterwards what the dispatch was measured against.
  function suggestionTitle(state) {
    return ['reported', 'registered', 'returned'].includes(state) ? '派遣建议' : '路由建议（派遣时）';
  }

  const SEVERITY_LABELS = { info: '提示', minor: '一般', major: '较大', critical: '重大' };

  function severityLabel(s) {
    return SEVERITY_LABELS[s] || (s ? String(s) : '—');
  }

  // Buttons: id → the API action, its label, where it shows and its form.
  // A button without fields posts at once; one with fields opens its form.
  // Field kinds: text, textarea, urls (one http(s) URL a line), agency,
  // agencies (several, optional), plan, extra (a limit like 2h, 1wd).
  const BUTTONS = {
    register: { action: 'register', label: '立案', page: 'console', primary: true },
    reject: { action: 'reject', label: '不予立案', page: 'console', danger: true,
      fields: [{ name: 'reason', label: '不予立案理由', kind: 'textarea', required: true }] },
    dispatch: { action: 'dispatch', label: '派遣', page: 'console', primary: true,
      fields: [
        { name: 'agency_id', label: '主办部门', kind: 'agency', required: true },
        { name: 'assists', label: '协办部门（可多选）', kind: 'agencies' },
        { name: 'note', label: '派遣说明', kind: 'text' },
      ] },
    'verify-pass': { action: 'verify', label: '核查通过', page: 'console', primary: true },
    'verify-fail': { action: 'verify', label: '核查不通过', page: 'console', danger: true,
      fields: [{ name: 'reason', label: '不通过理由（返工）', kind: 'textarea', required: true }] },
    suspend: { action: 'suspend', label: '挂账', page: 'console',
      fields: [{ name: 'reason', label: '挂账理由', kind: 'textarea', required: true }] },
    resume: { action: 'resume', label: '恢复', page: 'console' },
    'extension-approve': { action: 'decide-extension', label: '批准延期', page: 'console', primary: true },
    'extension-deny': { action: 'decide-extension', label: '不批准延期', page: 'console', danger: true,
      fields: [{ name: 'note', label: '不批准理由', kind: 'textarea' }] },
    'activate-plan': { action: 'activate-plan', label: '启动预案', page: 'console', danger: true,
      fields: [{ name: 'plan_id', label: '预案', kind: 'plan', required: true }, { name: 'note', label: '说明', kind: 'text' }] },
    'stand-down': { action: 'stand-down', label: '预案终止', page: 'console',
      fields: [{ name: 'note', label: '终止说明（释放预置资源）', kind: 'text' }] },

    accept: { action: 'accept', label: '签收', page: 'agency', primary: true },
    return: { action: 'return', label: '退回', page: 'agency', danger: true,
      fields: [{ name: 'reason', label: '退回理由', kind: 'textarea', required: true }] },
    resolve: { action: 'resolve', label: '反馈', page: 'agency', primary: true,
      fields: [
        { name: 'note', label: '处置情况', kind: 'textarea', required: true },
        { name: 'photos', label: '照片地址（每行一个 http(s) URL）', kind: 'urls' },
      ] },
    progress: { action: 'progress', label: '进展', page: 'agency',
      fields: [
        { name: 'note', label: '处置进展', kind: 'textarea', required: true },
        { name: 'photos', label: '照片地址（每行一个 http(s) URL）', kind: 'urls' },
      ] },
    'report-in': { action: 'report-in', label: '报到', page: 'agency', primary: true,
      fields: [{ name: 'note', label: '报到说明', kind: 'text' }] },
    'request-extension': { action: 'request-extension', label: '申请延期', page: 'agency',
      fields: [
        { name: 'extra', label: '延长时间（如 2h、30m、1d、8wh、1wd）', kind: 'extra', required: true },
        { name: 'reason', label: '延期理由', kind: 'textarea', required: true },
      ] },
  };

  // Where each state-changing button starts from (dispatch.actionFrom).
  const FROM = {
    register: ['reported'], reject: ['reported'], dispatch: ['registered', 'returned'],
    'verify-pass': ['resolved'], 'verify-fail': ['resolved'],
    suspend: ['registered', 'dispatched', 'returned', 'accepted'], resume: ['suspended'],
    accept: ['dispatched'], return: ['dispatched'], resolve: ['accepted'],
    progress: ['dispatched', 'accepted'], 'report-in': ['dispatched', 'accepted', 'resolved'],
    'request-extension': ['accepted'], 'extension-approve': ['accepted'], 'extension-deny': ['accepted'],
  };
  // 预案终止 follows the plan, not the state: dispatch allows it in any
  // state while a plan is in effect.

  function pendingExtension(c) {
    return ((c && c.extensions) || []).find((e) => e && e.status === 'pending') || null;
  }

  function planActive(c) {
    return !!(c && c.plan && !c.plan.stood_down_at);
  }

  // buttonsFor lists the button ids to show, in BUTTONS order, for the caller
  // (me: GET /api/v1/me) on a case on a page. ctx: {page: 'console' |
  // 'agency', agency: the agency page's agency id, plans: how many plans the
  // catalogue has}. The role must allow the action (me.actions), the case's
  // state must make it possible, and on the agency page the agency must hold
  // the right task: the lead signs, returns, resolves and asks for more time;
  // an assisting agency that has not yet reported in reports in; any task may
  // note progress. Anyone but an agency user (an admin) acts for the lead, as
  // dispatch does: on the lead's page only, and never reports in for an
  // assisting agency. A viewer never gets a button.
  function buttonsFor(me, c, ctx) {
    if (!me || !c || me.role === 'viewer') return [];
    const may = new Set(Array.isArray(me.actions) ? me.actions : []);
    const page = (ctx && ctx.page) || 'console';
    const agency = page === 'agency' ? (me.role === 'agency' ? me.agency : ctx && ctx.agency) : '';
    const tasks = Array.isArray(c.tasks) ? c.tasks : [];
    const task = tasks.find((t) => t && agency && t.agency_id === agency) || null;
    const lead = !!agency && c.agency_id === agency;
    const pending = pendingExtension(c);
    const out = [];
    for (const [id, b] of Object.entries(BUTTONS)) {
      if (b.page !== page || !may.has(b.action)) continue;
      if (FROM[id] && !FROM[id].includes(c.state)) continue;
      switch (id) {
        case 'extension-approve':
        case 'extension-deny':
          if (!pending) continue;
          break;
        case 'activate-plan':
          if (c.state === 'closed' || c.state === 'rejected' || planActive(c)) continue;
          if (ctx && ctx.plans === 0) continue;
          break;
        case 'stand-down':
          if (!planActive(c)) continue;
          break;
        case 'accept':
        case 'return':
        case 'resolve':
          if (!lead) continue;
          break;
        case 'request-extension':
          if (!lead || pending) continue;
          break;
        case 'progress':
          // Anyone but an agency user acts for the lead (dispatch ownTask).
          if (!task || (me.role !== 'agency' && !lead)) continue;
          break;
        case 'report-in':
          if (!task || task.role !== 'assist' || task.reported_at || me.role !== 'agency') continue;
          break;
      }
      out.push(id);
    }
    return out;
  }

  const EXTRA_RE = /^\s*\d+(\.\d+)?\s*(m|h|d|wh|wd)\s*$/;

  function splitURLs(s) {
    return String(s || '').split(/[\s,，]+/).map((x) => x.trim()).filter(Boolean);
  }

  function httpURL(s) {
    return /^https?:\/\/[^\s/]+/.test(s);
  }

  // validate returns the first problem with a form's values, in Chinese, or ''.
  function validate(id, values) {
    const b = BUTTONS[id];
    if (!b) return '未知操作';
    const v = values || {};
    for (const f of b.fields || []) {
      const x = v[f.name];
      const empty = x === undefined || x === null || (Array.isArray(x) ? x.length === 0 : String(x).trim() === '');
      if (f.required && empty) return '请填写' + f.label.replace(/（.*$/, '');
      if (empty) continue;
      if (f.kind === 'extra' && !EXTRA_RE.test(String(x))) return '延长时间格式应如 2h、30m、1d、8wh、1wd';
      if (f.kind === 'urls') {
        const bad = splitURLs(x).find((u) => !httpURL(u));
        if (bad) return '照片地址不是 http(s) URL：' + bad;
      }
    }
    return '';
  }

  // request turns a button and its form's values into the POST: the path
  // below the API base and the JSON body, always with the case's version.
  function request(id, c, values) {
    const b = BUTTONS[id];
    const v = values || {};
    const body = { version: c.version };
    const text = (k) => String(v[k] === undefined || v[k] === null ? '' : v[k]).trim();
    for (const f of b.fields || []) {
      const x = v[f.name];
      if (x === undefined || x === null || x === '' || (Array.isArray(x) && !x.length)) continue;
      switch (f.kind) {
        case 'urls': {
          const urls = splitURLs(x);
          if (urls.length) body.photos = urls;
          break;
        }
        case 'agencies': {
          const lead = text('agency_id');
          const ids = (Array.isArray(x) ? x : [x]).map(String).filter((a) => a && a !== lead);
          if (ids.length) body.assists = ids.map((a) => ({ agency_id: a, task: '协办' }));
          break;
        }
        case 'extra':
          body.extra = text(f.name).replace(/\s+/g, '');
          break;
        default:
          if (text(f.name)) body[f.name] = text(f.name);
      }
    }
    if (id === 'verify-pass') body.pass = true;
    if (id === 'verify-fail') body.pass = false;
    if (id === 'extension-approve') body.approve = true;
    if (id === 'extension-deny') body.approve = false;
    return { path: 'api/v1/cases/' + encodeURIComponent(c.id) + '/' + b.action, body };
  }

  // formatDuration writes a span as 2天3小时, 1小时20分, 5分 or 不足1分.
  function formatDuration(ms) {
    const m = Math.floor(Math.abs(ms) / 60000);
    if (m < 1) return '不足1分';
    const d = Math.floor(m / 1440);
    const h = Math.floor((m % 1440) / 60);
    const mm = m % 60;
    if (d) return d + '天' + (h ? h + '小时' : '');
    if (h) return h + '小时' + (mm ? mm + '分' : '');
    return mm + '分';
  }

  // slaView is a case's running clock as shown: stage label, due, what is
  // left (or how far past), overdue and paused. null when no clock runs.
  function slaView(c, now, L) {
    const s = c && c.sla;
    if (!s || !s.due) return null;
    const due = new Date(s.due);
    if (Number.isNaN(due.getTime())) return null;
    const n = now || new Date();
    const paused = !!s.paused_at;
    const at = paused ? new Date(s.paused_at) : n;
    const left = due.getTime() - at.getTime();
    const overdue = !!s.overdue || left < 0;
    const stages = { sign: '签收', resolve: '处置', verify: '核查' };
    return {
      stage: stages[s.stage] || String(s.stage || ''),
      due: L && L.formatDue ? L.formatDue(s.due, n) : s.due,
      remaining: (paused ? '已暂停 · ' : '') + (overdue ? '超期 ' + formatDuration(left) : '剩余 ' + formatDuration(left)),
      overdue,
      warned: !!s.warned && !overdue,
      paused,
    };
  }

  // caseRow is one line of a queue: no., title, category, state, agency, due.
  function caseRow(c, now, L, categoryName) {
    const st = L ? L.caseStateInfo(c.state) : { label: c.state, color: '' };
    const sla = slaView(c, now, L);
    return {
      id: c.id,
      no: c.no || String(c.id),
      title: c.title || '',
      category: categoryName ? categoryName(c.category) : c.category,
      state: st.label,
      stateColor: st.color,
      agency: c.agency_id ? (L ? L.agencyName(c.agency_id) : c.agency_id) : '—',
      due: sla ? sla.due : '—',
      overdue: !!(sla && sla.overdue),
    };
  }

  // categoryLabel: "01.01.01 井盖缺失" from a catalogue entry.
  function categoryLabel(cat) {
    if (!cat) return '';
    return cat.minor ? cat.minor : cat.code;
  }

  // reportBody builds POST /api/v1/reports from the 上报 form, or returns
  // {error} when something is missing: a category, a description, and a
  // point (lon and lat) or an address.
  function reportBody(v) {
    const x = v || {};
    const s = (k) => String(x[k] === undefined || x[k] === null ? '' : x[k]).trim();
    if (!s('category')) return { error: '请选择类别' };
    if (!s('description')) return { error: '请填写问题描述' };
    const body = { category: s('category'), description: s('description'), source: 'manual' };
    const hasLon = s('lon') !== '';
    const hasLat = s('lat') !== '';
    if (hasLon || hasLat) {
      const lon = Number(s('lon'));
      const lat = Number(s('lat'));
      if (!hasLon || !hasLat || !Number.isFinite(lon) || !Number.isFinite(lat)) return { error: '经纬度需同时填写数字' };
      if (Math.abs(lon) > 180 || Math.abs(lat) > 90) return { error: '经纬度超出范围' };
      body.lon = lon;
      body.lat = lat;
    }
    if (s('address')) body.address = s('address');
    if (body.lon === undefined && !body.address) return { error: '请填写经纬度或地址' };
    return { body };
  }

  // errorText turns an API error answer into a line for the operator.
  function errorText(status, body) {
    if (status === 401) return '未授权：请输入访问令牌' + (body && body.error ? '（' + body.error + '）' : '');
    if (status === 409 && body && body.reason === 'conflict') return '案件已被他人更新，已重新载入，请确认后再操作';
    if (status === 409) return '案件状态已变化，已重新载入：' + ((body && body.error) || '');
    if (status === 403) return '无权限：' + ((body && body.error) || '');
    if (body && body.error) return '操作失败：' + body.error;
    return '操作失败（HTTP ' + status + '）';
  }

  // ---- alarms (the console's 实时告警 list)

  // Alarm buttons: id → label, the API path below the alarm and the form.
  const ALARM_BUTTONS = {
    ack: { label: '确认', path: 'ack', primary: true },
    comment: { label: '备注', path: 'comments',
      fields: [{ name: 'text', label: '备注内容', kind: 'textarea', required: true, max: 4000 }] },
    assign: { label: '指派', path: 'assign',
      fields: [{ name: 'assignee', label: '处理人或部门', kind: 'assignee', required: true, max: 128 }] },
  };

  // alarmButtons lists the buttons for the caller on an active alarm: 确认
  // until it is acknowledged, 备注 and 指派 always, for a caller the hub says
  // may work alarms (GET /api/v1/me: may_work_alarms, the duty desk).
  function alarmButtons(me, a) {
    if (!me || !a || me.may_work_alarms !== true) return [];
    if (a.status && a.status !== 'active') return [];
    return (a.acked ? [] : ['ack']).concat(['comment', 'assign']);
  }

  function validateAlarm(id, values) {
    const b = ALARM_BUTTONS[id];
    if (!b) return '未知操作';
    for (const f of b.fields || []) {
      const x = String((values || {})[f.name] === undefined || values[f.name] === null ? '' : values[f.name]).trim();
      if (f.required && !x) return '请填写' + f.label;
      if (f.max && Array.from(x).length > f.max) return f.label + '不能超过 ' + f.max + ' 个字';
    }
    return '';
  }

  // alarmRequest is the POST of an alarm button: path and body (null: none).
  function alarmRequest(id, a, values) {
    const b = ALARM_BUTTONS[id];
    const path = 'api/v1/alarms/' + encodeURIComponent(a.id) + '/' + b.path;
    if (!b.fields) return { path, body: null };
    const body = {};
    for (const f of b.fields) body[f.name] = String((values || {})[f.name] || '').trim();
    return { path, body };
  }

  function timeMs(t) {
    const x = new Date(t).getTime();
    return Number.isNaN(x) ? 0 : x;
  }

  // orderAlarms: active alarms, the latest (last_seen) first, as the API
  // and the screen's ticker order them.
  function orderAlarms(list) {
    return (Array.isArray(list) ? list : []).filter((a) => a && (!a.status || a.status === 'active'))
      .sort((x, y) => timeMs(y.last_seen) - timeMs(x.last_seen) || Number(y.id) - Number(x.id));
  }

  // alarmRow is one alarm as listed: severity, what and where, the value
  // against its threshold, since when, who acknowledged it, the assignee.
  function alarmRow(a, L, now) {
    const sev = (L && L.SEVERITY[a.severity]) || { id: a.severity, label: a.severity ? String(a.severity) : '—' };
    const cat = L ? L.categoryInfo(a.category || L.KIND_CATEGORY[a.kind]) : { label: a.category || '' };
    const measured = a.metric && typeof a.value === 'number';
    return {
      id: a.id,
      severity: sev.id || '',
      severityLabel: sev.label,
      title: a.label || a.type || '告警',
      source: a.source || '',
      category: cat.label,
      value: measured ? (L ? L.metricLabel(a.kind, a.metric) + ' ' + L.formatMetric(a.kind, a.metric, a.value) : String(a.value)) : '',
      threshold: measured && typeof a.threshold === 'number' && a.threshold !== 0
        ? (L ? L.formatMetric(a.kind, a.metric, a.threshold) : String(a.threshold)) : '',
      message: a.message || '',
      count: a.count || 1,
      since: L ? L.formatTime(a.first_seen, now) : a.first_seen,
      last: L ? L.formatTime(a.last_seen, now) : a.last_seen,
      acked: !!a.acked,
      ackedBy: a.acked_by || '',
      assignee: a.assignee || '',
    };
  }

  // ---- the reporter's personal data (masked unless the role may see it)

  // reporterView is the reporter as the case carries it, masked by the hub
  // (张*, 138****1234, masked: true) or not; textMasked when the hub masked
  // contact details the case's title, description or address held (the
  // text as written comes with 查看); null when there is none of that.
  function reporterView(c) {
    const r = c && c.reporter;
    if (!r || typeof r !== 'object') return null;
    const s = (k) => (typeof r[k] === 'string' ? r[k].trim() : '');
    const textMasked = r.text_masked === true;
    if (!s('name') && !s('phone') && !s('email') && !s('id_no') && !textMasked) return null;
    return { name: s('name') || '—', phone: s('phone') || '—', masked: r.masked === true, textMasked };
  }

  // mayViewReporter follows GET /api/v1/me's may_unmask: "all" (the command
  // centre's staff), "own_cases" (an agency, on a case it holds a task in) or
  // "none". The hub decides (403 otherwise) and audits each view.
  function mayViewReporter(me, c) {
    if (!me || !c) return false;
    if (me.may_unmask === 'all') return true;
    if (me.may_unmask !== 'own_cases' || !me.agency) return false;
    return c.agency_id === me.agency || (Array.isArray(c.tasks) && c.tasks.some((t) => t && t.agency_id === me.agency));
  }

  // reporterButton: 查看 shows only on a masked reporter the caller may see.
  function reporterButton(me, c) {
    const v = reporterView(c);
    return !!(v && v.masked && mayViewReporter(me, c));
  }

  // reporterFields lists GET /api/v1/cases/{id}/reporter's answer as shown.
  function reporterFields(p) {
    const x = p && typeof p === 'object' ? p : {};
    return [['姓名', x.name], ['电话', x.phone], ['邮箱', x.email], ['证件号码', x.id_no],
      ['原始标题', x.title], ['原始描述', x.description], ['原始地址', x.address]]
      .filter((r) => typeof r[1] === 'string' && r[1].trim() !== '');
  }

  return {
    ALARM_BUTTONS, alarmButtons, validateAlarm, alarmRequest, orderAlarms, alarmRow,
    reporterView, mayViewReporter, reporterButton, reporterFields,
    STATE_FILTERS, queuePath, ROLE_LABELS, roleLabel, sourceLabel, suggestionTitle, EVENT_LABELS, eventLabel, severityLabel,
    BUTTONS, buttonsFor, pendingExtension, validate, request, formatDuration, slaView, caseRow,
    categoryLabel, reportBody, errorText, splitURLs,
  };
});
