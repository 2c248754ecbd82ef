// console.js — the operator console (console.html): the active alarms
// (alarmlist.js), the case queue by state, a case's details, SLA clock,
// suggestion, reporter and timeline, the actions the caller's role and the
// case's state allow (预案 activation and stand-down, 延期 approval …), and
// the 上报 form.
(function () {
  'use strict';
  const D = window.HubDesk;
  const U = window.HubDeskUI;
  const { $, api, esc } = U;

  const state = { me: null, filter: 'reported', cases: [], selected: null, detail: null, loading: 0 };
  window.__console = state;

  function renderFilters() {
    $('filters').innerHTML = D.STATE_FILTERS.map((f) =>
      `<button type="button" class="chip-btn${f.id === state.filter ? ' is-on' : ''}" data-filter="${f.id}">${esc(f.label)}</button>`).join('');
    for (const b of $('filters').querySelectorAll('[data-filter]')) {
      b.addEventListener('click', () => {
        state.filter = b.dataset.filter;
        renderFilters();
        loadQueue();
      });
    }
  }

  const desk = U.desk(state, () => D.queuePath(state.filter),
    () => ({ page: 'console', plans: U.catalogue.plans.length }));
  const { loadQueue, select, actionOpts } = desk;

  function renderReport() {
    const form = $('report-form');
    if (!state.me || !state.me.may_report) {
      $('report-panel').hidden = true;
      return;
    }
    $('report-panel').hidden = false;
    $('r-category').innerHTML = U.catalogue.categories.map((c) =>
      `<option value="${esc(c.code)}">${esc(c.code)} ${esc(c.major)} · ${esc(c.minor)}</option>`).join('');
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const v = {};
      for (const el of form.elements) if (el.name) v[el.name] = el.value;
      const r = D.reportBody(v);
      if (r.error) {
        U.setMsg($('report-msg'), r.error, 'bad');
        return;
      }
      const res = await api('POST', 'api/v1/reports', r.body);
      if (!res.ok) {
        U.setMsg($('report-msg'), D.errorText(res.status, res.data), 'bad');
        return;
      }
      U.setMsg($('report-msg'), '已上报：' + res.data.no, 'good');
      form.reset();
      state.filter = 'reported';
      renderFilters();
      await loadQueue();
      await select(res.data.id);
    };
  }

  async function boot() {
    renderFilters();
    const [me] = await Promise.all([api('GET', 'api/v1/me'), U.loadCatalogue()]);
    state.me = me.ok ? me.data : null;
    actionOpts.me = state.me;
    U.renderMe($('me'), state.me);
    renderReport();
    const alarms = window.HubAlarmList.mount(state);
    await Promise.all([loadQueue(), alarms.load()]);
    document.body.dataset.ready = '1';
    setInterval(() => { if (!document.hidden) loadQueue(); }, 15000);
    setInterval(() => {
      if (state.detail && !state.loading) desk.redraw();
    }, 30000);
  }

  boot();
})();
