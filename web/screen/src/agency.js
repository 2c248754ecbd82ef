// agency.js — the agency page (agency.html?agency=ID): the agency's queue
// (GET /api/v1/agencies/{id}/queue), a case's details and timeline, and the
// agency's actions: 签收, 退回, 反馈, 进展, 报到, 申请延期.
(function () {
  'use strict';
  const L = window.HubScreen;
  const U = window.HubDeskUI;
  const D = window.HubDesk;
  const { $, api, esc } = U;

  const state = { me: null, agency: '', cases: [], selected: null, detail: null, loading: 0 };
  window.__agency = state;

  const desk = U.desk(state,
    () => (state.agency ? 'api/v1/agencies/' + encodeURIComponent(state.agency) + '/queue' : ''),
    () => ({ page: 'agency', agency: state.agency }));
  const { loadQueue, actionOpts } = desk;

  // pickAgency lists the agencies when the page was opened without one.
  function pickAgency() {
    const el = $('agency-pick');
    el.hidden = false;
    el.innerHTML = '<span class="pick-label">选择部门：</span>' + U.catalogue.agencies.map((a) =>
      `<a class="chip-btn" href="?agency=${encodeURIComponent(a.id)}">${esc(a.name)}</a>`).join('');
    $('queue-empty').textContent = '请选择部门';
  }

  async function boot() {
    const [me] = await Promise.all([api('GET', 'api/v1/me'), U.loadCatalogue()]);
    state.me = me.ok ? me.data : null;
    actionOpts.me = state.me;
    U.renderMe($('me'), state.me);
    const param = new URLSearchParams(location.search).get('agency') || '';
    state.agency = state.me && state.me.role === 'agency' && state.me.agency ? state.me.agency : param;
    if (!state.agency) {
      pickAgency();
      document.body.dataset.ready = '1';
      return;
    }
    $('agency-name').textContent = L.agencyName(state.agency);
    document.title = L.agencyName(state.agency) + ' · 部门办理';
    await loadQueue();
    document.body.dataset.ready = '1';
    setInterval(() => { if (!document.hidden) loadQueue(); }, 15000);
  }

  boot();
})();
