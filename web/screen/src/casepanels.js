// casepanels.js — the dispatch loop on the screen: the active-plan banner
// across the top, the 案件办理 strip (today's funnel 上报 → 结案, cases by
// state, overdue, 按期处置率, a ticker of the newest open cases) and the
// 部门排名 table (综合指标值, last 30 days). The rows come from views.js;
// this file only writes HTML. Cases on the map are in map.js.
(function (root, factory) {
  root.HubScreen = Object.assign(root.HubScreen || {}, factory(root.HubScreen));
})(self, function (L) {
  'use strict';

  const MAX_RANK_ROWS = 8;
  const MAX_TICKER = 6;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => L.escapeHTML(s);

  function count(n) {
    return Number.isFinite(n) ? Math.round(n).toLocaleString('zh-CN') : '—';
  }

  // ---- the active-plan banner

  function renderPlanBanner(state) {
    const plans = L.planBanners(state.plans);
    const box = $('plan-banner');
    const show = plans.length > 0;
    if (box.hidden === show) box.hidden = !show;
    document.body.dataset.plan = show ? '1' : '0';
    if (!show) return;
    const p = plans[0];
    L.setHTML('plan-text', `<b class="plan-level">【${esc(p.level)}】</b>${esc(p.name)}` +
      (p.title ? `<span class="plan-sep">·</span>${esc(p.title)}` : '') +
      `<span class="plan-sep">·</span>已预置资源 <b class="plan-res">${count(p.resources)}</b>`);
    $('plan-text').title = p.text;
    L.setText('plan-since', p.activatedAt ? '启动 ' + L.formatTime(p.activatedAt) : '');
    L.setText('plan-more', plans.length > 1 ? `另有 ${plans.length - 1} 项预案响应中` : '');
  }

  // ---- 案件办理

  // A chevron per step: its number, its share of 上报 beside it, and a fill
  // as high as that share.
  function funnelStep(s, i, known) {
    const share = i > 0 && s.share !== null ? `<small class="funnel-share">${esc(s.shareText)}</small>` : '';
    return `<li class="funnel-step${known && !s.n ? ' is-zero' : ''}" style="--share:${s.share === null ? 0 : s.share}">` +
      `<div class="funnel-label">${esc(s.label)}</div>` +
      `<div class="funnel-num">${known ? count(s.n) : '—'}${share}</div></li>`;
  }

  // A ticker line: state, no., title, lead agency; the deadline only when it
  // has passed (the map's tooltip has the rest).
  function tickerItem(c) {
    const late = c.overdue ? `<span class="t-late">${esc(c.stageLabel)}超期</span>` : '';
    return `<li class="ticker-item"><span class="chip chip-state" style="--c:${c.color}">${esc(c.stateLabel)}</span>` +
      `<span class="t-no">${esc(c.no)}</span><b class="t-title">${esc(c.title)}</b>` +
      `<span class="t-agency">${esc(c.agency || '待派遣')}</span>${late}</li>`;
  }

  function renderCaseStrip(state) {
    const sum = L.caseSummary(state.kpi);
    const known = sum.known;
    L.setHTML('case-funnel', sum.funnel.map((s, i) => funnelStep(s, i, known)).join(''));
    L.setText('case-overdue', known ? count(sum.overdue) : '—');
    $('case-overdue-tile').classList.toggle('is-zero', !sum.overdue);
    L.setText('case-ontime', sum.onTimeText);
    $('case-ontime-tile').className = 'case-tile ' + sum.onTimeClass;
    const states = sum.states.map((r) =>
      `<li class="case-state" style="--c:${r.color}"><i></i>${esc(r.label)}<b>${count(r.n)}</b></li>`).join('');
    L.setHTML('case-states', states ||
      `<li class="case-state is-none">${state.seq === null ? '等待数据…' : known ? '今日暂无案件' : '暂无案件数据'}</li>`);

    const latest = L.latestCases(state.cases, MAX_TICKER);
    const track = $('case-ticker');
    track.style.setProperty('--n', String(Math.max(1, latest.length)));
    track.classList.toggle('is-rolling', latest.length > 1);
    L.setHTML('case-ticker', latest.length ? latest.map(tickerItem).join('')
      : `<li class="ticker-item is-none">${state.seq === null ? '等待数据…' : '暂无在办案件'}</li>`);
    const open = Array.from(state.cases.values()).filter(L.isOpenCase).length;
    L.setText('case-open', open ? `在办 ${count(open)}` : '');
  }

  // ---- 部门排名

  function rankRow(r) {
    const medal = r.rank <= 3 ? ` rank-${r.rank}` : '';
    const score = r.score === null ? 0 : Math.max(0, Math.min(100, r.score));
    return `<tr><td class="r-rank"><span class="rank-badge${medal}">${count(r.rank)}</span></td>` +
      `<td class="r-name${r.name.length > 12 ? ' is-long' : ''}" title="${esc(r.name)}">${esc(r.name)}</td>` +
      `<td class="r-score"><span class="score-track"><i style="width:${score.toFixed(1)}%"></i></span><b>${esc(r.scoreText)}</b></td>` +
      `<td class="r-rate ${r.onTimeClass}">${esc(r.onTimeText)}</td></tr>`;
  }

  function renderRanking(state) {
    const rows = L.agencyRanking(state.kpi, MAX_RANK_ROWS);
    L.setHTML('rank-body', rows.map(rankRow).join(''));
    $('rank-empty').hidden = rows.length > 0;
    L.setText('rank-empty', state.seq === null ? '等待数据…' : '暂无考核数据');
  }

  function renderCasePanels(state) {
    renderPlanBanner(state);
    renderCaseStrip(state);
    renderRanking(state);
  }

  return { renderCasePanels };
});
