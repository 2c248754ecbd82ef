// deskui.js — the DOM shared by console.html and agency.html: API calls
// (with the access token of auth.js), a case's details, SLA clock,
// suggestion, reporter and timeline, and the action bar with its forms.
// Which buttons show and what they post is desk.js.
(function () {
  'use strict';
  const L = window.HubScreen;
  const D = window.HubDesk;
  const A = window.HubAuth;
  const esc = L.escapeHTML;

  const metaBase = document.querySelector('meta[name="hub-base"]');
  const BASE = ((metaBase && metaBase.content) || '/').replace(/\/?$/, '/');

  // api does a JSON request below the hub's base; it never throws. An error
  // answer's body is flattened to {error: message, reason: code}; a 401 has
  // put up the token prompt (auth.js).
  async function api(method, path, body) {
    try {
      const res = await A.fetch(BASE + path, {
        method,
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
        cache: 'no-store',
      });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (!res.ok) data = A.normalizeError(data);
      return { ok: res.ok, status: res.status, data };
    } catch (e) {
      return { ok: false, status: 0, data: { error: '无法连接服务器' } };
    }
  }

  const $ = (id) => document.getElementById(id);

  // Catalogue: categories by code, plans; agencies go to labels.js.
  const catalogue = { categories: [], byCode: new Map(), plans: [], agencies: [] };

  async function loadCatalogue() {
    const [cats, ags, plans] = await Promise.all([api('GET', 'api/v1/categories'), api('GET', 'api/v1/agencies'),
      api('GET', 'api/v1/plans')]);
    if (cats.ok && Array.isArray(cats.data)) {
      catalogue.categories = cats.data;
      for (const c of cats.data) catalogue.byCode.set(c.code, c);
    }
    if (ags.ok && Array.isArray(ags.data)) {
      catalogue.agencies = ags.data;
      L.mergeAgencies(ags.data);
    }
    if (plans.ok && Array.isArray(plans.data)) catalogue.plans = plans.data;
  }

  function categoryName(code) {
    const c = catalogue.byCode.get(code);
    return c ? D.categoryLabel(c) : String(code || '—');
  }

  // planName: the plan's name with its level, which most names already
  // carry (阿拉善盟防汛应急预案（Ⅳ级响应）).
  function planName(p) {
    const name = String(p.name || p.plan_id || p.id || '');
    return p.level && !name.includes(p.level) ? name + ' ' + p.level : name;
  }

  function fmtTime(t) {
    return t ? L.formatTime(t) : '—';
  }

  function setMsg(el, text, kind) {
    el.textContent = text || '';
    el.className = 'desk-msg' + (kind ? ' is-' + kind : '');
    el.hidden = !text;
  }

  // REPORTER_SLOT marks the 报告人 row, which renderReporter fills.
  const REPORTER_SLOT = {};

  // renderDetail fills the case panel: fields, SLA clock, suggestion.
  function renderDetail(root, c) {
    const st = L.caseStateInfo(c.state);
    const sla = D.slaView(c, new Date(), L);
    const rows = [
      ['案卷编号', c.no],
      ['标题', c.title],
      ['类别', c.category + ' ' + categoryName(c.category)],
      ['等级', D.severityLabel(c.severity)],
      ['来源', D.sourceLabel(c.source)],
      ['报告人', D.reporterView(c) ? REPORTER_SLOT : ''],
      ['描述', c.description],
      ['地址', c.address || ''],
      ['位置', c.lon || c.lat ? L.formatNumber(c.lon, 5, false) + ', ' + L.formatNumber(c.lat, 5, false) : ''],
      ['区域', c.region_code],
      ['主办部门', c.agency_id ? L.agencyName(c.agency_id) : ''],
      ['协办部门', (c.tasks || []).filter((t) => t.role === 'assist')
        .map((t) => L.agencyName(t.agency_id) + (t.reported_at ? '（已报到）' : '（待报到）')).join('、')],
      ['处置反馈', c.resolution || ''],
      ['挂账理由', c.suspend_reason || ''],
      ['退回理由', c.return_reason || ''],
      ['不予立案理由', c.reject_reason || ''],
      ['预案', c.plan ? planName(c.plan) + (c.plan.stood_down_at ? '（已终止）' : '（生效中）') +
        (c.plan.resources && c.plan.resources.length ? ' · 已预置资源 ' + c.plan.resources.length : '') : ''],
      ['上报时间', fmtTime(c.created_at)],
    ].filter((r) => r[1] !== undefined && r[1] !== null && r[1] !== '');
    const ext = D.pendingExtension(c);
    root.innerHTML =
      `<div class="case-head"><span class="state-chip" style="--c:${st.color}">${esc(st.label)}</span>` +
      `<b class="case-title">${esc(c.title || c.no)}</b><span class="case-no">${esc(c.no)}</span></div>` +
      `<div class="sla-box${sla ? (sla.overdue ? ' is-overdue' : sla.warned ? ' is-warned' : '') : ' is-none'}" id="sla-box">` +
      (sla
        ? `<div><small>时限阶段</small><b id="sla-stage">${esc(sla.stage)}</b></div>` +
          `<div><small>截止</small><b id="sla-due">${esc(sla.due)}</b></div>` +
          `<div><small>剩余</small><b id="sla-remaining">${esc(sla.remaining)}</b></div>`
        : '<div><small>时限</small><b>当前无计时</b></div>') +
      '</div>' +
      (c.suggestion
        ? `<div class="suggest" id="suggestion"><small>${esc(D.suggestionTitle(c.state))}</small><b>${esc(L.agencyName(c.suggestion.agency_id))}</b>` +
          `<span>${esc(c.suggestion.reason)}</span></div>`
        : '') +
      (ext
        ? `<div class="suggest is-ext"><small>延期申请（待审批）</small><b>${esc(ext.extra)}</b><span>${esc(ext.reason)} · ${esc(ext.requested_by)}</span></div>`
        : '') +
      '<dl class="fields">' + rows.map(([k, v]) => (v === REPORTER_SLOT
        ? `<dt>${esc(k)}</dt><dd id="reporter" class="reporter"></dd>`
        : `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)).join('') + '</dl>';
  }

  // renderReporter fills the 报告人 row: the reporter as the hub sent it
  // (masked: 张* · 138****1234) with 查看 for a role that may see more, or
  // what GET /api/v1/cases/{id}/reporter answered (plain), which the hub
  // audits. view: {caseId, person, error} of the last 查看, or null.
  function renderReporter(me, c, view, onView, onHide) {
    const dd = $('reporter');
    const r = D.reporterView(c);
    if (!dd || !r) return;
    if (view && view.caseId === c.id && view.person) {
      dd.innerHTML = '<span class="rp-plain">' + D.reporterFields(view.person)
        .map(([k, v]) => `<span><small>${esc(k)}</small>${esc(v)}</span>`).join('') + '</span>' +
        '<button type="button" class="btn is-small" id="reporter-hide">隐藏</button>' +
        '<span class="rp-note">本次查看已记录</span>';
      $('reporter-hide').onclick = onHide;
      return;
    }
    dd.innerHTML = `<span class="rp-masked"><span id="reporter-name">${esc(r.name)}</span>` +
      `<span id="reporter-phone">${esc(r.phone)}</span></span>` +
      (r.masked ? '<span class="rp-tag">已脱敏</span>' : '') +
      (r.textMasked ? '<span class="rp-tag" id="reporter-text">描述中的联系方式已脱敏</span>' : '') +
      (D.reporterButton(me, c)
        ? '<button type="button" class="btn is-small" id="reporter-view">查看</button><span class="rp-note">查看将被记录</span>'
        : '') +
      (view && view.caseId === c.id && view.error ? `<div class="desk-msg is-bad" id="reporter-msg">${esc(view.error)}</div>` : '');
    if ($('reporter-view')) $('reporter-view').onclick = onView;
  }

  function renderTimeline(root, events) {
    const list = (events || []).slice().reverse();
    if (!list.length) {
      root.innerHTML = '<li class="empty">暂无记录</li>';
      return;
    }
    root.innerHTML = list.map((e) => {
      const who = (e.actor || '—') + (e.role ? '（' + D.roleLabel(e.role) + '）' : '');
      const move = e.from && e.to ? `${L.caseStateInfo(e.from).label} → ${L.caseStateInfo(e.to).label}` : '';
      return `<li data-action="${esc(e.action)}"><div class="tl-head"><b>${esc(D.eventLabel(e.action))}</b>` +
        `<span class="tl-time">${esc(fmtTime(e.at))}</span></div>` +
        `<div class="tl-who">${esc(who)}${move ? ' · ' + esc(move) : ''}</div>` +
        (e.note ? `<div class="tl-note">${esc(e.note)}</div>` : '') + '</li>';
    }).join('');
  }

  function agencyOptions(selected) {
    return catalogue.agencies.map((a) => `<option value="${esc(a.id)}"${a.id === selected ? ' selected' : ''}>` +
      `${esc(a.name)}</option>`).join('');
  }

  // fieldHTML renders one form field of a button.
  function fieldHTML(f, c) {
    const id = 'f-' + f.name;
    const label = `<label for="${id}">${esc(f.label)}${f.required ? ' <i class="req">*</i>' : ''}</label>`;
    switch (f.kind) {
      case 'textarea':
      case 'urls':
        return label + `<textarea id="${id}" name="${f.name}" rows="${f.kind === 'urls' ? 2 : 3}"></textarea>`;
      case 'agency': {
        const sugg = (c.suggestion && c.suggestion.agency_id) || c.agency_id || '';
        return label + `<select id="${id}" name="${f.name}">${agencyOptions(sugg)}</select>`;
      }
      case 'agencies':
        return label + `<select id="${id}" name="${f.name}" multiple size="4">${agencyOptions('')}</select>`;
      case 'plan':
        return label + `<select id="${id}" name="${f.name}">` + catalogue.plans.map((p) =>
          `<option value="${esc(p.id)}">${esc(planName(p))}</option>`).join('') + '</select>';
      default:
        return label + `<input id="${id}" name="${f.name}" type="text" autocomplete="off"${f.kind === 'extra' ? ' placeholder="2h"' : ''}>`;
    }
  }

  function formValues(form) {
    const v = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.tagName === 'SELECT' && el.multiple) v[el.name] = Array.from(el.selectedOptions).map((o) => o.value);
      else v[el.name] = el.value;
    }
    return v;
  }

  // actionBar wires the buttons of a case. opts: {root, formRoot, msg, me,
  // ctx, getCase, reload(msg?, kind?)}; reload re-fetches the case after a
  // change or a conflict.
  function renderActions(opts, c) {
    const ids = D.buttonsFor(opts.me, c, opts.ctx());
    opts.formRoot.innerHTML = '';
    opts.formRoot.hidden = true;
    if (!ids.length) {
      opts.root.innerHTML = `<span class="no-actions">${opts.me && opts.me.role === 'viewer' ? '只读用户不能办理' : '当前状态无可办理操作'}</span>`;
      return;
    }
    opts.root.innerHTML = ids.map((id) => {
      const b = D.BUTTONS[id];
      return `<button type="button" class="btn${b.primary ? ' is-primary' : ''}${b.danger ? ' is-danger' : ''}" ` +
        `data-act="${id}">${esc(b.label)}</button>`;
    }).join('');
    for (const btn of opts.root.querySelectorAll('button[data-act]')) {
      btn.addEventListener('click', () => onButton(opts, btn.dataset.act));
    }
  }

  async function send(opts, id, values) {
    const c = opts.getCase();
    const err = D.validate(id, values);
    if (err) {
      setMsg(opts.msg, err, 'bad');
      return;
    }
    const req = D.request(id, c, values);
    for (const b of document.querySelectorAll('button[data-act], button[data-submit]')) b.disabled = true;
    const res = await api('POST', req.path, req.body);
    for (const b of document.querySelectorAll('button[data-act], button[data-submit]')) b.disabled = false;
    if (res.ok) {
      await opts.reload(D.BUTTONS[id].label + ' 已完成', 'good');
      return;
    }
    if (res.status === 409) {
      await opts.reload(D.errorText(res.status, res.data), 'bad');
      return;
    }
    setMsg(opts.msg, D.errorText(res.status, res.data), 'bad');
  }

  function onButton(opts, id) {
    const b = D.BUTTONS[id];
    const c = opts.getCase();
    setMsg(opts.msg, '');
    if (!b.fields) {
      send(opts, id, {});
      return;
    }
    const f = opts.formRoot;
    f.innerHTML = `<h3>${esc(b.label)}</h3>` + b.fields.map((x) => `<div class="field">${fieldHTML(x, c)}</div>`).join('') +
      `<div class="form-buttons"><button type="submit" class="btn is-primary" data-submit="${id}">提交${esc(b.label)}</button>` +
      '<button type="button" class="btn" data-cancel="1">取消</button></div>';
    f.hidden = false;
    f.onsubmit = (ev) => {
      ev.preventDefault();
      send(opts, id, formValues(f));
    };
    f.querySelector('[data-cancel]').onclick = () => { f.hidden = true; f.innerHTML = ''; };
    const first = f.querySelector('textarea, input, select');
    if (first) first.focus();
  }

  // queueTable renders rows of D.caseRow into a tbody.
  function renderQueue(tbody, cases, selectedId, onSelect) {
    const now = new Date();
    tbody.innerHTML = cases.map((c) => {
      const r = D.caseRow(c, now, L, categoryName);
      return `<tr data-id="${esc(r.id)}" class="${r.id === selectedId ? 'is-selected' : ''}">` +
        `<td class="c-no">${esc(r.no)}</td><td class="c-title">${esc(r.title)}</td><td>${esc(r.category)}</td>` +
        `<td><span class="state-chip" style="--c:${r.stateColor}">${esc(r.state)}</span></td>` +
        `<td>${esc(r.agency)}</td><td class="c-due${r.overdue ? ' is-overdue' : ''}">${esc(r.due)}</td></tr>`;
    }).join('');
    for (const tr of tbody.querySelectorAll('tr[data-id]')) {
      tr.addEventListener('click', () => onSelect(Number(tr.dataset.id)));
    }
  }

  function renderMe(el, me) {
    const change = $('token-btn');
    if (change) change.onclick = () => A.change();
    if (!me) {
      el.textContent = '未登录';
      return;
    }
    el.textContent = (me.name || '—') + ' · ' + D.roleLabel(me.role) + (me.agency ? ' · ' + L.agencyName(me.agency) : '');
    document.body.dataset.role = me.role || '';
  }

  // desk wires a page's queue and case panes, the same on the console and
  // the agency page: path() is the queue's API path ("" = none yet), ctx()
  // what renderActions needs to know about the page.
  function desk(state, path, ctx) {
    const d = {};
    d.actionOpts = {
      root: $('actions'),
      formRoot: $('action-form'),
      msg: $('action-msg'),
      me: null,
      ctx,
      getCase: () => state.detail,
      reload: async (msg, kind) => {
        await d.loadCase(msg, kind);
        await d.loadQueue();
      },
    };
    d.loadQueue = async () => {
      const p = path();
      if (!p) return;
      const res = await api('GET', p);
      if (p !== path()) return; // the filter changed meanwhile
      if (!res.ok) {
        setMsg($('queue-msg'), D.errorText(res.status, res.data), 'bad');
        return;
      }
      setMsg($('queue-msg'), '');
      state.cases = Array.isArray(res.data) ? res.data : [];
      renderQueue($('queue-body'), state.cases, state.selected, d.select);
      $('queue-empty').hidden = state.cases.length > 0;
      $('queue-count').textContent = String(state.cases.length);
      document.body.dataset.queueLoaded = '1';
    };
    // The reporter's plain data stays only while its case is selected.
    let reporter = null;
    d.redraw = () => {
      const c = state.detail;
      if (!c) return;
      renderDetail($('case-detail'), c);
      renderReporter(d.actionOpts.me, c, reporter, d.viewReporter, () => { reporter = null; d.redraw(); });
    };
    d.viewReporter = async () => {
      const c = state.detail;
      const btn = $('reporter-view');
      if (btn) btn.disabled = true;
      const res = await api('GET', 'api/v1/cases/' + encodeURIComponent(c.id) + '/reporter');
      if (!state.detail || state.detail.id !== c.id) return;
      reporter = res.ok ? { caseId: c.id, person: res.data } : { caseId: c.id, error: D.errorText(res.status, res.data) };
      d.redraw();
    };
    d.select = async (id) => {
      if (id !== state.selected) reporter = null;
      state.selected = id;
      for (const tr of $('queue-body').querySelectorAll('tr[data-id]')) tr.classList.toggle('is-selected', Number(tr.dataset.id) === id);
      setMsg($('action-msg'), '');
      await d.loadCase();
    };
    // loadCase fetches the selected case (with timeline and suggestion).
    d.loadCase = async (msg, kind) => {
      const id = state.selected;
      if (!id) return;
      state.loading++;
      const res = await api('GET', 'api/v1/cases/' + id);
      state.loading--;
      if (id !== state.selected) return;
      if (!res.ok) {
        setMsg($('action-msg'), D.errorText(res.status, res.data), 'bad');
        return;
      }
      state.detail = res.data;
      $('detail-empty').hidden = true;
      $('detail').hidden = false;
      d.redraw();
      renderTimeline($('timeline'), res.data.timeline);
      renderActions(d.actionOpts, res.data);
      document.body.dataset.caseId = String(res.data.id);
      document.body.dataset.caseState = res.data.state;
      document.body.dataset.caseVersion = String(res.data.version);
      if (msg) setMsg($('action-msg'), msg, kind);
    };
    return d;
  }

  window.HubDeskUI = {
    api, $, catalogue, loadCatalogue, categoryName, setMsg, renderDetail, renderReporter, renderTimeline, renderActions,
    renderQueue, renderMe, esc, desk, formValues, fmtTime,
  };
})();
