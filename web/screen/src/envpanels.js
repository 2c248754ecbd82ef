// envpanels.js — the environment panels: air quality (HJ 633 AQI of each
// air station, in its band colour), surface-water class against its target
// (GB 3838) and water levels against their 警戒/保证 lines. The rows come
// from views.js; this file only writes HTML.
(function (root, factory) {
  root.HubScreen = Object.assign(root.HubScreen || {}, factory(root.HubScreen));
})(self, function (L) {
  'use strict';

  const MAX_AQI_ROWS = 6;
  const MAX_WATER_ROWS = 3;
  const MAX_HYDRO_ROWS = 14;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => L.escapeHTML(s);

  function renderScale() {
    const el = $('aqi-scale');
    if (el.childElementCount) return;
    el.innerHTML = L.AQI_BANDS.map((b) =>
      `<li style="--c:${b.colour};--t:${L.textOn(b.colour)}" title="${esc(b.category)}">${esc(b.category.slice(0, 1))}</li>`).join('');
  }

  function aqiRow(r) {
    return `<li class="env-row${r.online ? '' : ' is-offline'}">` +
      `<span class="pill" style="--c:${r.colour};--t:${r.text}">${r.aqi}</span>` +
      `<span class="env-name">${esc(r.short)}</span>` +
      `<span class="env-cat" style="color:${r.legible}">${esc(r.category)}</span>` +
      `<span class="env-extra"><small>首要</small>${esc(r.primaryText)}</span></li>`;
  }

  function waterRow(r) {
    const verdict = r.meets === null ? '' : r.meets
      ? '<span class="verdict is-good">达标</span>'
      : '<span class="verdict is-bad">超标</span>';
    const ex = r.exceeding.slice(0, 2).map((e) =>
      `${esc(e.label)}${e.multiple !== null ? ` <b>${L.formatNumber(e.multiple, 2, false)}</b>倍` : ''}`).join('、');
    const detail = ex || (r.determining.length ? '定类 ' + esc(r.determining.slice(0, 2).join('、')) : esc(r.quality));
    return `<li class="env-row${r.online ? '' : ' is-offline'}">` +
      `<span class="pill pill-water" style="--c:${r.colour};--t:${r.text}">${esc(r.label)}</span>` +
      `<span class="env-name">${esc(r.short)}</span>` +
      `<span class="env-target">目标 ${esc(r.target || '—')}</span>${verdict}` +
      `<span class="env-extra">${detail}</span></li>`;
  }

  function renderAQI(state) {
    renderScale();
    const rows = L.aqiRows(state.devices);
    L.setHTML('aqi-list', rows.slice(0, MAX_AQI_ROWS).map(aqiRow).join(''));
    $('aqi-empty').hidden = rows.length > 0;
    L.setText('aqi-empty', state.seq === null ? '等待数据…' : '暂无空气站数据');
    const water = L.waterRows(state.devices);
    L.setHTML('water-list', water.slice(0, MAX_WATER_ROWS).map(waterRow).join(''));
    $('water-empty').hidden = water.length > 0;
    L.setText('water-empty', state.seq === null ? '等待数据…' : '暂无水质类别');
  }

  function level(x) {
    return L.formatNumber(x, 2, false);
  }

  // rain: one decimal below 10 mm, whole millimetres above (fits the column).
  function rain(x) {
    return x === null ? '—' : L.formatNumber(x, Math.abs(x) < 10 ? 1 : 0, false);
  }

  function hydroRow(r) {
    const rise = r.rise === null ? '—' : L.formatSigned(r.rise, Math.abs(r.rise) < 10 ? 2 : 1);
    const riseCls = r.rise !== null && r.rise >= 0.5 ? ' is-up' : '';
    return `<tr class="lv-${r.status}${r.online ? '' : ' is-offline'}">` +
      `<td class="h-name${r.short.length > 6 ? ' is-long' : ''}" title="${esc(r.name)}">${esc(r.short)}</td>` +
      `<td class="num h-level">${r.level === null ? '—' : level(r.level)}</td>` +
      `<td class="num">${r.warning === null ? '—' : level(r.warning)}</td>` +
      `<td class="num">${r.guaranteed === null ? '—' : level(r.guaranteed)}</td>` +
      `<td class="num h-margin">${esc(r.marginText)}</td>` +
      `<td class="num">${rain(r.rain1h)}<span class="sep">/</span>${rain(r.rain24h)}</td>` +
      `<td class="num h-rise${riseCls}">${esc(rise)}</td></tr>`;
  }

  function renderHydro(state) {
    const rows = L.hydroRows(state.devices);
    L.setHTML('hydro-body', rows.slice(0, MAX_HYDRO_ROWS).map(hydroRow).join(''));
    $('hydro-empty').hidden = rows.length > 0;
    L.setText('hydro-empty', state.seq === null ? '等待数据…' : '暂无水位数据');
    const over = rows.filter((r) => r.status === 'over-warning' || r.status === 'over-guaranteed').length;
    const badge = $('hydro-count');
    badge.hidden = !over;
    L.setText('hydro-count', `超警 ${over} 站`);
  }

  function renderEnvPanels(state) {
    renderAQI(state);
    renderHydro(state);
  }

  return { renderEnvPanels };
});
