// alarmlist.js — the console's 实时告警 list: the active alarms, latest
// first (GET /api/v1/alarms?status=active), in their severity's colour, with
// 确认, 备注 and 指派 for the roles that may (desk.js alarmButtons) and each
// alarm's 批注 (GET …/comments). Refreshed every ALARM_POLL_MS while the page
// is visible and no form is open, and after every action.
(function () {
  'use strict';
  const L = window.HubScreen;
  const D = window.HubDesk;
  const U = window.HubDeskUI;
  const { $, api, esc } = U;

  const ALARM_POLL_MS = 10000;

  // mount wires the list into #alarm-panel. state: the page's state (its
  // me); it gains alarms, alarmOpen {id, form} and alarmComments.
  function mount(state) {
    state.alarms = [];
    state.alarmOpen = { id: null, form: null }; // the expanded alarm and its open form
    state.alarmComments = new Map(); // alarm id → comments, oldest first
    const list = $('alarm-list');
    let loadFailed = false;

    async function load() {
      const res = await api('GET', 'api/v1/alarms?status=active&limit=200');
      if (!res.ok) {
        loadFailed = true;
        U.setMsg($('alarm-msg'), D.errorText(res.status, res.data), 'bad');
        document.body.dataset.alarmsLoaded = '1';
        return;
      }
      if (loadFailed) U.setMsg($('alarm-msg'), ''); // an action's outcome stays
      loadFailed = false;
      state.alarms = D.orderAlarms(res.data && res.data.alarms);
      if (state.alarmOpen.id !== null && !state.alarms.some((a) => a.id === state.alarmOpen.id)) {
        state.alarmOpen = { id: null, form: null };
      }
      render();
      document.body.dataset.alarmsLoaded = '1';
    }

    async function loadComments(id) {
      const res = await api('GET', 'api/v1/alarms/' + id + '/comments');
      if (res.ok && res.data) state.alarmComments.set(id, Array.isArray(res.data.comments) ? res.data.comments : []);
      render();
    }

    // render redraws the list; an open form keeps what was typed in it
    // (comments arriving while someone writes redraw the list too).
    function render() {
      const now = new Date();
      const old = $('alarm-form');
      const kept = old && old.dataset.form === state.alarmOpen.form ? U.formValues(old) : null;
      $('alarm-count').textContent = String(state.alarms.length);
      $('alarm-empty').hidden = state.alarms.length > 0;
      list.innerHTML = state.alarms.map((a) => itemHTML(a, now)).join('');
      for (const b of list.querySelectorAll('button[data-alarm-act]')) {
        b.addEventListener('click', () => onButton(Number(b.closest('li').dataset.id), b.dataset.alarmAct));
      }
      const form = $('alarm-form');
      if (!form) return;
      if (kept) for (const el of form.elements) if (el.name && kept[el.name] !== undefined) el.value = kept[el.name];
      wireForm(form, !kept);
    }

    function itemHTML(a, now) {
      const r = D.alarmRow(a, L, now);
      const open = state.alarmOpen.id === a.id;
      const ids = D.alarmButtons(state.me, a);
      const comments = state.alarmComments.get(a.id);
      const buttons = ids.map((id) => {
        const b = D.ALARM_BUTTONS[id];
        const on = open && state.alarmOpen.form === id;
        return `<button type="button" class="btn is-small${b.primary ? ' is-primary' : ''}${on ? ' is-on' : ''}" ` +
          `data-alarm-act="${id}">${esc(b.label)}</button>`;
      }).join('') +
        `<button type="button" class="btn is-small is-quiet${open ? ' is-on' : ''}" data-alarm-act="details">` +
        `批注${comments ? ' ' + comments.length : ''}</button>`;
      return `<li class="alarm-item${r.acked ? ' is-acked' : ''}${open ? ' is-open' : ''}" data-id="${esc(r.id)}" data-sev="${esc(r.severity)}">` +
        '<div class="al-head">' +
        `<span class="sev-chip">${esc(r.severityLabel)}</span><b class="al-title">${esc(r.title)}</b>` +
        `<span class="al-src">${esc(r.source)}${r.category ? ' · ' + esc(r.category) : ''}</span>` +
        `<span class="al-time" title="首次 ${esc(r.since)}">${esc(r.last)}${r.count > 1 ? ' · ' + r.count + '次' : ''}</span></div>` +
        '<div class="al-body">' +
        (r.value ? `<span class="al-value">${esc(r.value)}${r.threshold ? ` <small>阈值 ${esc(r.threshold)}</small>` : ''}</span>` : '') +
        (r.message ? `<span class="al-message">${esc(r.message)}</span>` : '') +
        `<span class="al-ack">${r.acked ? '已确认' + (r.ackedBy ? '（' + esc(r.ackedBy) + '）' : '') : '未确认'}</span>` +
        (r.assignee ? `<span class="al-assignee">处理人：${esc(r.assignee)}</span>` : '') +
        '</div>' +
        `<div class="al-actions">${buttons}</div>` +
        (open ? detailHTML(a, comments) : '') + '</li>';
    }

    function detailHTML(a, comments) {
      const form = state.alarmOpen.form;
      const b = form && D.ALARM_BUTTONS[form];
      const items = comments === undefined ? '<li class="empty" id="alarm-comments-loading">载入中…</li>'
        : comments.length ? comments.map((c) => `<li><span class="ac-who">${esc(c.by)}</span>` +
          `<span class="ac-time">${esc(U.fmtTime(c.at))}</span><div class="ac-text">${esc(c.text)}</div></li>`).join('')
          : '<li class="empty">暂无批注</li>';
      return '<div class="al-detail">' + `<ol class="al-comments">${items}</ol>` +
        (b && b.fields ? `<form id="alarm-form" class="action-form alarm-form" data-form="${form}">` +
          b.fields.map((f) => `<div class="field">${fieldHTML(f)}</div>`).join('') +
          `<div class="form-buttons"><button type="submit" class="btn is-primary" data-alarm-submit="${form}">提交${esc(b.label)}</button>` +
          '<button type="button" class="btn" data-alarm-cancel="1">取消</button></div></form>' : '') +
        '</div>';
    }

    function fieldHTML(f) {
      const id = 'af-' + f.name;
      const label = `<label for="${id}">${esc(f.label)} <i class="req">*</i></label>`;
      if (f.kind === 'textarea') return label + `<textarea id="${id}" name="${f.name}" rows="2" maxlength="${f.max}"></textarea>`;
      // 指派: a person or an agency; the agencies are offered.
      return label + `<input id="${id}" name="${f.name}" type="text" autocomplete="off" maxlength="${f.max}" list="af-agencies">` +
        '<datalist id="af-agencies">' + U.catalogue.agencies.map((x) => `<option value="${esc(x.name)}">`).join('') + '</datalist>';
    }

    function wireForm(form, focus) {
      form.onsubmit = (ev) => {
        ev.preventDefault();
        send(state.alarmOpen.id, form.dataset.form, U.formValues(form));
      };
      form.querySelector('[data-alarm-cancel]').onclick = () => {
        state.alarmOpen.form = null;
        render();
      };
      const first = form.querySelector('textarea, input');
      if (first) first.focus({ preventScroll: !focus });
    }

    function onButton(id, act) {
      U.setMsg($('alarm-msg'), '');
      if (act === 'ack') {
        send(id, 'ack', {});
        return;
      }
      const open = state.alarmOpen;
      if (act === 'details') state.alarmOpen = open.id === id && !open.form ? { id: null, form: null } : { id, form: null };
      else state.alarmOpen = { id, form: open.id === id && open.form === act ? null : act };
      render();
      if (state.alarmOpen.id !== null && !state.alarmComments.has(id)) loadComments(id);
    }

    async function send(id, act, values) {
      const a = state.alarms.find((x) => x.id === id);
      if (!a) return;
      const err = D.validateAlarm(act, values);
      if (err) {
        U.setMsg($('alarm-msg'), err, 'bad');
        return;
      }
      const req = D.alarmRequest(act, a, values);
      for (const b of list.querySelectorAll('button')) b.disabled = true;
      const res = await api('POST', req.path, req.body);
      if (!res.ok) {
        for (const b of list.querySelectorAll('button')) b.disabled = false;
        U.setMsg($('alarm-msg'), D.errorText(res.status, res.data), 'bad');
        return;
      }
      U.setMsg($('alarm-msg'), D.ALARM_BUTTONS[act].label + ' 已完成：' + (a.label || a.type), 'good');
      state.alarmComments.delete(id); // 备注, and the note an assignment leaves
      state.alarmOpen = act === 'ack' ? state.alarmOpen : { id, form: null };
      await load();
      if (state.alarmOpen.id === id && !state.alarmComments.has(id)) await loadComments(id);
    }

    $('alarm-refresh').addEventListener('click', load);
    setInterval(() => {
      if (!document.hidden && !state.alarmOpen.form) load();
    }, ALARM_POLL_MS);
    return { load };
  }

  window.HubAlarmList = { mount };
})();
