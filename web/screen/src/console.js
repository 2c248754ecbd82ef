// console.js — the operator console (console.html): the case queue by
// state, a case's details, SLA clock, suggestion and timeline, the actions
// the caller's role and the case's state allow, and the 上报 form.
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

  async function loadQueue() {
    const filter = state.filter;
    const res = await api('GET', D.queuePath(filter));
    if (filter !== state.filter) return;
    if (!res.ok) {
      U.setMsg($('queue-msg'), D.errorText(res.status, res.data), 'bad');
      return;
    }
    U.setMsg($('queue-msg'), '');
    state.cases = Array.isArray(res.data) ? res.data : [];
    U.renderQueue($('queue-body'), state.cases, state.selected, select);
    $('queue-empty').hidden = state.cases.length > 0;
    $('queue-count').textContent = String(state.cases.length);
    document.body.dataset.queueLoaded = '1';
  }

  async function select(id) {
    state.selected = id;
    for (const tr of $('queue-body').querySelectorAll('tr[data-id]')) tr.classList.toggle('is-selected', Number(tr.dataset.id) === id);
    U.setMsg($('action-msg'), '');
    await loadCase();
  }

  // loadCase fetches the selected case (with timeline and suggestion).
  async function loadCase(msg, kind) {
    const id = state.selected;
    if (!id) return;
    state.loading++;
    const res = await api('GET', 'api/v1/cases/' + id);
    state.loading--;
    if (id !== state.selected) return;
    if (!res.ok) {
      U.setMsg($('action-msg'), D.errorText(res.status, res.data), 'bad');
      return;
    }
    state.detail = res.data;
    $('detail-empty').hidden = true;
    $('detail').hidden = false;
    U.renderDetail($('case-detail'), res.data);
    U.renderTimeline($('timeline'), res.data.timeline);
    U.renderActions(actionOpts, res.data);
    document.body.dataset.caseId = String(res.data.id);
    document.body.dataset.caseState = res.data.state;
    document.body.dataset.caseVersion = String(res.data.version);
    if (msg) U.setMsg($('action-msg'), msg, kind);
  }

  const actionOpts = {
    root: $('actions'),
    formRoot: $('action-form'),
    msg: $('action-msg'),
    me: null,
    ctx: () => ({ page: 'console', plans: U.catalogue.plans.length }),
    getCase: () => state.detail,
    reload: async (msg, kind) => {
      await loadCase(msg, kind);
      await loadQueue();
    },
  };

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
    await loadQueue();
    document.body.dataset.ready = '1';
    setInterval(() => { if (!document.hidden) loadQueue(); }, 15000);
    setInterval(() => {
      if (state.detail && !state.loading) U.renderDetail($('case-detail'), state.detail);
    }, 30000);
  }

  boot();
})();
