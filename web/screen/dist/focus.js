// focus.js — the map's inset (火情定位): a fire seen from towers is a few
// kilometres across, a few pixels on the league map, so the inset zooms onto
// the incident views.focusIncident picks — the towers, their bearing lines
// and, for two towers, the point where the lines cross. Its own ECharts
// instance, so the zoomed map is clipped to the inset's box.
(function (root, factory) {
  root.HubScreen = Object.assign(root.HubScreen || {}, factory(root.HubScreen, root.echarts));
})(self, function (L, echarts) {
  'use strict';

  const $ = (id) => document.getElementById(id);

  // towerName shortens "贺兰山南寺瞭望塔" to "南寺" for a label beside it.
  function towerName(name) {
    const s = String(name || '').replace(/^贺兰山/, '').replace(/(瞭望塔|瞭望台|监控点)$/, '');
    return s || String(name || '');
  }

  class FocusInset {
    constructor(box, el, opts) {
      this.box = box;
      this.el = el;
      this.state = opts.state;
      this.chart = null;
      this.dpr = 1;
      this.sig = '';
      this.regionsReady = false;
    }

    // mount is called once the league map is registered, and on resize.
    mount(dpr) {
      this.dpr = dpr;
      this.regionsReady = true;
      if (this.chart) { this.chart.dispose(); this.chart = null; }
      this.sig = '';
      this.render();
    }

    render() {
      const inc = this.regionsReady ? L.focusIncident(this.state.incidents) : null;
      if (!inc) {
        this.box.hidden = true;
        this.sig = '';
        return;
      }
      const segs = L.bearingSegments(inc, this.state.alarms, this.state.devices);
      const point = L.incidentPoint(inc);
      const sig = JSON.stringify([inc.id, inc.title, inc.severity, point, segs.map((s) => [s.towerId, s.coords, s.beyond])]);
      this.box.hidden = false;
      if (sig === this.sig && this.chart) return;
      this.sig = sig;
      this.renderText(inc, segs, point);
      if (!this.chart) this.chart = echarts.init(this.el, 'dark', { renderer: 'canvas', devicePixelRatio: this.dpr });
      this.chart.setOption(this.option(inc, segs, point), { notMerge: true });
    }

    renderText(inc, segs, point) {
      const method = (inc.location && inc.location.method) || 'device';
      const sev = L.SEVERITY[inc.severity];
      $('focus-title').textContent = L.categoryInfo(inc.category).label + (sev ? ' · ' + sev.label : '');
      this.box.title = inc.title || '';
      const chip = $('focus-method');
      chip.textContent = L.methodLabel(method);
      chip.className = 'chip chip-method m-' + method;
      const where = point && method !== 'bearing_line' ? `火点 ${point[0].toFixed(4)}°E  ${point[1].toFixed(4)}°N` : '';
      const towers = segs.map((s) => `${towerName(s.towerName)} ${s.bearing.toFixed(1)}°`).join(' · ');
      const note = method === 'bearing_line' ? '仅一站方位，待第二站交汇定位' : '';
      $('focus-where').textContent = where || note;
      $('focus-towers').textContent = towers;
    }

    option(inc, segs, point) {
      const pts = [];
      for (const s of segs) pts.push(s.tower, s.to);
      if (point) pts.push(point);
      const w = this.el.clientWidth || 320, h = this.el.clientHeight || 220;
      // The flame stands above its point: leave it room at the top.
      if (point) pts.push([point[0], point[1] + 0.004]);
      const bounds = L.focusBounds(pts, w / h, { pad: 0.3, minSpanKm: 8 });
      const lat0 = (bounds[0][1] + bounds[1][1]) / 2;
      const inView = (p) => p[0] >= bounds[0][0] && p[0] <= bounds[1][0] && p[1] <= bounds[0][1] && p[1] >= bounds[1][1];
      const towerIds = new Set(segs.map((s) => String(s.towerId)));
      const others = [];
      for (const [id, d] of this.state.devices) {
        if (d.kind === 'firecam' && !towerIds.has(id) && Number.isFinite(d.lon) && inView([d.lon, d.lat])) others.push([d.lon, d.lat]);
      }
      const method = (inc.location && inc.location.method) || 'device';
      const fixes = segs.filter((s) => s.type === 'fix');
      const rays = segs.filter((s) => s.type === 'ray');
      const font = L.MAP_FONT;
      const label = (extra) => ({ show: true, fontFamily: font, fontSize: 15, fontWeight: 'bold', textBorderColor: '#021024', textBorderWidth: 3, ...extra });
      return {
        backgroundColor: 'transparent',
        textStyle: { fontFamily: font },
        animation: false,
        geo: {
          map: L.MAP_NAME, boundingCoords: bounds, aspectScale: Math.cos((lat0 * Math.PI) / 180),
          left: 0, right: 0, top: 0, bottom: 0, roam: false, silent: true, selectedMode: false,
          label: { show: false },
          itemStyle: { areaColor: '#0b2f57', borderColor: '#5cc8ff', borderWidth: 2 },
          emphasis: { disabled: true },
        },
        series: [
          {
            type: 'scatter', coordinateSystem: 'geo', silent: true, symbol: 'triangle', symbolSize: 11, z: 2,
            data: others, itemStyle: { color: '#3ee08f', opacity: 0.45 },
          },
          {
            type: 'lines', coordinateSystem: 'geo', polyline: true, silent: true, z: 3,
            data: fixes.filter((s) => s.beyond).map((s) => ({ coords: s.beyond })),
            lineStyle: { color: '#ff9a3d', width: 1.5, type: [4, 6], opacity: 0.5 },
          },
          {
            type: 'lines', coordinateSystem: 'geo', polyline: true, silent: true, z: 4,
            data: rays.map((s) => ({ coords: s.coords })),
            lineStyle: { color: '#ffc53d', width: 2.5, type: [9, 6] },
            effect: { show: true, period: 4, trailLength: 0, symbol: 'arrow', symbolSize: 9, color: '#ffe08a', loop: true },
          },
          {
            type: 'lines', coordinateSystem: 'geo', silent: true, z: 5,
            data: fixes.map((s) => ({
              coords: s.coords,
              label: label({ position: 'middle', color: '#ffe2c7', formatter: `${(s.distanceM / 1000).toFixed(1)} km` }),
            })),
            lineStyle: { color: '#ff9a3d', width: 3, shadowColor: '#ff6a2b', shadowBlur: 8 },
            effect: { show: true, period: 2.4, trailLength: 0.25, symbol: 'circle', symbolSize: 5, color: '#ffe08a' },
          },
          {
            type: 'scatter', coordinateSystem: 'geo', silent: true, symbol: 'triangle', symbolSize: 17, z: 6,
            data: segs.map((s) => ({
              value: s.tower,
              label: label({ position: s.to[0] >= s.tower[0] ? 'left' : 'right', color: '#b8ffd9', formatter: towerName(s.towerName) }),
            })),
            itemStyle: { color: '#3ee08f', borderColor: '#ffffff', borderWidth: 1.5 },
          },
          {
            type: 'effectScatter', coordinateSystem: 'geo', silent: true, z: 7,
            data: point && method !== 'bearing_line' ? [point] : [],
            symbol: 'path://' + L.FIRE_PATH, symbolSize: [30, 34], symbolOffset: [0, -8],
            rippleEffect: { brushType: 'fill', scale: 3.2, period: 1.6, number: 2, color: 'rgba(255,106,43,0.5)' },
            itemStyle: { color: '#ff6a2b', borderColor: '#ffe08a', borderWidth: 1.5, shadowColor: '#ff3b00', shadowBlur: 18 },
          },
        ],
      };
    }
  }

  return { FocusInset, towerName };
});
