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

  async function loadQueue() {
    if (!state.agency) return;
    const res = await api('GET', 'api/v1/agencies/' + encodeURIComponent(state.agency) + '/queue');
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
    ctx: () => ({ page: 'agency', agency: state.agency }),
    getCase: () => state.detail,
    reload: async (msg, kind) => {
      await loadCase(msg, kind);
      await loadQueue();
    },
  };

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
