// map.js — the league map: banner boundaries from the hub's regions GeoJSON
// as an ECharts geo component, devices as scatter series by kind (air and
// water stations in their AQI / water-class colour), active alarms as a
// pulsing effectScatter, incidents as rings, fires as pulsing flames with
// the towers' bearing lines, open cases as pins in their state's colour.
// It reads the ScreenState; it never changes it.
(function (root, factory) {
  root.HubScreen = Object.assign(root.HubScreen || {}, factory(root.HubScreen, root.echarts));
})(self, function (L, echarts) {
  'use strict';

  const MAP_NAME = 'alxa';
  // Canvas text needs a real family list: 'inherit' would make the whole font
  // string invalid and drop labels back to 10px sans-serif.
  const FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
  const KIND_IDS = Object.keys(L.KINDS);
  const ASPECT_SCALE = 0.78; // ≈ cos(40°N): keeps the league's shape on a lon/lat grid
  const MAP_PAD = 28;
  const INSET_SHRINK = 0.94;

  function featureCode(f) {
    const p = f.properties || {};
    return String(p.code || f.id || '');
  }

  // isCountyLevel picks the banners out of a file that may also hold the
  // league, towns and grids: level "banner"/"county", or a six-digit GB/T 2260
  // code of a county-level division (152921, not the league's 152900).
  function isCountyLevel(f) {
    const level = String((f.properties || {}).level || '').toLowerCase();
    if (level) return level === 'banner' || level === 'county' || level === 'district';
    return /^\d{4}(?!00)\d{2}$/.test(featureCode(f));
  }

  function isPolygonal(f) {
    const t = f && f.geometry && f.geometry.type;
    return t === 'Polygon' || t === 'MultiPolygon';
  }

  function ringArea(ring) {
    let a = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
    return Math.abs(a / 2);
  }

  function inRing(x, y, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function segDist2(px, py, a, b, kx) {
    const ax = a[0] * kx, ay = a[1], bx = b[0] * kx, by = b[1];
    const dx = bx - ax, dy = by - ay;
    const t = dx || dy ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy))) : 0;
    const ex = ax + t * dx - px, ey = ay + t * dy - py;
    return ex * ex + ey * ey;
  }

  // labelPoint finds a point deep inside the region's largest polygon (a
  // coarse pole of inaccessibility): the banner seat the GeoJSON gives as cp
  // sits at the edge of 阿拉善左旗, right under the markers of its town.
  function labelPoint(geometry) {
    const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    const poly = polys.reduce((best, p) => (ringArea(p[0]) > ringArea(best[0]) ? p : best));
    const outer = poly[0];
    const xs = outer.map((c) => c[0]), ys = outer.map((c) => c[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const kx = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
    const steps = 24;
    // ~300 vertices per ring are plenty for placing a label.
    const coarse = poly.map((r) => r.filter((_, k) => k % Math.ceil(r.length / 300) === 0 || k === r.length - 1));
    let best = null, bestD = -1;
    for (let i = 1; i < steps; i++) {
      for (let j = 1; j < steps; j++) {
        const x = x0 + ((x1 - x0) * i) / steps, y = y0 + ((y1 - y0) * j) / steps;
        if (!inRing(x, y, outer) || poly.slice(1).some((h) => inRing(x, y, h))) continue;
        let d = Infinity;
        for (const ring of coarse) for (let k = 1; k < ring.length; k++) d = Math.min(d, segDist2(x * kx, y, ring[k - 1], ring[k], kx));
        if (d > bestD) { bestD = d; best = [x, y]; }
      }
    }
    return best;
  }

  function bbox(features) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (c) => {
      if (typeof c[0] === 'number') {
        b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
        b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
      } else c.forEach(walk);
    };
    for (const f of features) walk(f.geometry.coordinates);
    return b;
  }

  // prepareRegions returns the features to draw and every region's name by code.
  function prepareRegions(geojson) {
    const all = (geojson && Array.isArray(geojson.features) ? geojson.features : []).filter(isPolygonal);
    const names = new Map();
    for (const f of geojson && Array.isArray(geojson.features) ? geojson.features : []) {
      const name = (f.properties || {}).name;
      if (name) names.set(featureCode(f), String(name));
    }
    const banners = all.filter(isCountyLevel);
    const features = (banners.length ? banners : all).map((f) => {
      const properties = { ...f.properties, name: String((f.properties || {}).name || featureCode(f)) };
      const cp = labelPoint(f.geometry);
      if (cp) properties.cp = cp;
      return { type: 'Feature', id: featureCode(f), geometry: f.geometry, properties };
    });
    return { geojson: { type: 'FeatureCollection', features }, names, bbox: bbox(features) };
  }

  class LeagueMap {
    constructor(el, opts) {
      this.el = el;
      this.state = opts.state;
      this.onReady = opts.onReady || (() => {});
      this.chart = null;
      this.regions = null;
      this.ready = false;
      this.regionStats = new Map();
    }

    regionName(code) {
      return (this.regions && this.regions.names.get(String(code))) || '';
    }

    setRegions(geojson) {
      this.regions = prepareRegions(geojson);
      if (!this.regions.geojson.features.length) throw new Error('regions GeoJSON has no polygons');
      echarts.registerMap(MAP_NAME, this.regions.geojson);
    }

    // mount (re)creates the chart; dpr is devicePixelRatio × the stage's CSS
    // scale, so the canvas stays sharp on a 4K wall.
    mount(dpr) {
      if (!this.regions) return;
      if (this.chart) this.chart.dispose();
      this.chart = echarts.init(this.el, 'dark', { renderer: 'canvas', devicePixelRatio: dpr });
      this.chart.on('finished', () => {
        if (this.ready) return;
        this.ready = true;
        this.onReady();
      });
      const option = this.baseOption();
      Object.assign(option.geo, this.geoLayout());
      // Before the first 'finished' only the geo is drawn: a running
      // effectScatter animation would keep 'finished' from ever firing.
      if (this.ready) option.series = this.series();
      this.chart.setOption(option);
    }

    // resize fits the chart to its element, which the panels around the map
    // grow and shrink as their data arrives (the case strip, the plan banner):
    // ECharts sizes its canvas only when told.
    resize() {
      if (!this.chart) return;
      this.chart.resize();
      this.chart.setOption({ geo: this.geoLayout() });
    }

    // geoLayout fits the league into the chart with its true shape: ECharts
    // stretches a geo given all four of left/right/top/bottom, so the size
    // (longer side, px) is computed here from the regions' extent.
    // With the inset (focus.js) open in the top-right corner, the league
    // shrinks a little towards the bottom left to stay mostly clear of it.
    geoLayout() {
      const [x0, y0, x1, y1] = this.regions.bbox;
      const aspect = ((x1 - x0) / (y1 - y0)) * ASPECT_SCALE;
      const w = Math.max(1, this.chart.getWidth() - 2 * MAP_PAD);
      const h = Math.max(1, this.chart.getHeight() - 2 * MAP_PAD);
      const width = Math.min(w, h * aspect) * (this.inset ? INSET_SHRINK : 1);
      const center = this.inset ? ['45%', '50%'] : ['50%', '50%'];
      return { layoutCenter: center, layoutSize: aspect >= 1 ? width : width / aspect };
    }

    // setInset tells the map whether the inset covers its top-right corner.
    setInset(on) {
      if (!!on === !!this.inset) return;
      this.inset = !!on;
      if (this.chart) this.chart.setOption({ geo: this.geoLayout() });
    }

    render() {
      if (!this.chart || !this.ready) return;
      this.chart.setOption({ series: this.series() });
    }

    baseOption() {
      return {
        backgroundColor: 'transparent',
        textStyle: { fontFamily: FONT },
        tooltip: {
          trigger: 'item', confine: true, enterable: false, transitionDuration: 0,
          backgroundColor: 'rgba(4, 18, 38, 0.94)', borderColor: '#2f9bff', borderWidth: 1, padding: [10, 14],
          textStyle: { color: '#e6f3ff', fontSize: 18 },
          extraCssText: 'box-shadow: 0 0 18px rgba(47,155,255,.45); line-height: 1.55;',
          formatter: (p) => this.tooltip(p),
        },
        geo: {
          // Zoom and pan let an operator pull apart a town's stacked markers
          // (巴彦浩特's elevators); a resize or reload returns to the league.
          map: MAP_NAME, roam: true, scaleLimit: { min: 0.8, max: 40 }, aspectScale: ASPECT_SCALE,
          selectedMode: false,
          label: { show: true, color: '#e4f4ff', fontSize: 24, fontWeight: 'bold', textBorderColor: '#021024', textBorderWidth: 4 },
          itemStyle: {
            areaColor: { type: 'linear', x: 0, y: 0, x2: 0, y2: 1, colorStops: [
              { offset: 0, color: '#0e3a66' }, { offset: 1, color: '#072448' },
            ] },
            borderColor: '#5cc8ff', borderWidth: 2.5,
            shadowColor: 'rgba(0, 150, 255, 0.75)', shadowBlur: 24, shadowOffsetY: 6,
          },
          emphasis: { label: { color: '#ffffff' }, itemStyle: { areaColor: '#165490' } },
          // Components do not inherit the global tooltip formatter.
          tooltip: { show: true, formatter: (p) => this.regionTooltip(p.name) },
        },
        series: [],
      };
    }

    series() {
      const sevBySource = this.alarmSeverityBySource();
      const byKind = new Map();
      const labelled = L.aqiLabelSites(L.aqiRows(this.state.devices), 0.15);
      this.regionStats = new Map();
      for (const [id, d] of this.state.devices) {
        if (!hasPosition(d)) continue;
        const kind = L.KINDS[d.kind] ? d.kind : 'other';
        const sev = strongest(d.alarm_severity, sevBySource.get(id));
        if (!byKind.has(kind)) byKind.set(kind, []);
        byKind.get(kind).push(deviceItem(id, d, sev, labelled.has(id)));
        this.countRegion(d.region_code, d.online, sev);
      }
      const list = KIND_IDS.concat('other').map((kind) => kindSeries(kind, byKind.get(kind) || []));
      list.push(this.alarmSeries());
      return list.concat(this.incidentSeries(), this.caseSeries());
    }

    // caseSeries: a pin on every open case (not 已结案/不予立案) in its
    // state's colour; an overdue one larger, ringed in red.
    caseSeries() {
      const data = L.caseMapItems(this.state.cases).map((c) => ({
        value: c.value, caseId: c.caseId,
        symbolSize: c.overdue ? [27, 34] : [21, 27],
        itemStyle: {
          color: c.color, borderColor: c.overdue ? '#ff3b3b' : '#ffffff', borderWidth: c.overdue ? 3 : 1.5,
          shadowColor: c.overdue ? '#ff3b3b' : 'rgba(0, 0, 0, 0.7)', shadowBlur: c.overdue ? 14 : 5,
        },
      }));
      return {
        id: 'cases', name: '案件', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0,
        symbol: 'path://' + CASE_PIN, symbolOffset: [0, '-50%'], data, z: 7, animation: false,
        emphasis: { scale: 1.3 },
      };
    }

    // incidentSeries: bearing lines (solid tower→fire for a fix, dashed for a
    // lone bearing), a ring round each other incident, and a pulsing flame
    // on each located fire.
    incidentSeries() {
      const fixes = [], rays = [], rings = [], fires = [];
      for (const inc of this.state.incidents.values()) {
        const point = L.incidentPoint(inc);
        const segs = L.bearingSegments(inc, this.state.alarms, this.state.devices);
        for (const sg of segs) {
          const item = { coords: sg.coords, incidentId: String(inc.id), towerId: sg.towerId };
          (sg.type === 'fix' ? fixes : rays).push(item);
        }
        if (!point) continue;
        // One tower's bearing is not a place: the ray alone is drawn.
        if (((inc.location && inc.location.method) || 'device') === 'bearing_line') continue;
        const item = { value: point, incidentId: String(inc.id) };
        if (inc.category === 'forest_fire') fires.push(item);
        else rings.push({ ...item, itemStyle: { color: 'transparent', borderColor: sevColor(inc.severity), borderWidth: 3 } });
      }
      const lines = (id, name, data, style) => ({
        id, name, type: 'lines', coordinateSystem: 'geo', geoIndex: 0, polyline: true, data, z: 6,
        silent: true, animation: false, lineStyle: style,
      });
      return [
        lines('bearing-rays', '单站方位线', rays, { color: '#ffc53d', width: 2.5, type: [8, 6], opacity: 0.95 }),
        lines('bearing-fixes', '交汇方位线', fixes, { color: '#ff9a3d', width: 3, opacity: 1, shadowColor: '#ff6a2b', shadowBlur: 8 }),
        {
          id: 'incident-rings', name: '研判事件', type: 'scatter', coordinateSystem: 'geo', geoIndex: 0,
          data: rings, symbol: 'circle', symbolSize: 38, z: 4, animation: false,
        },
        {
          id: 'fires', name: '火情', type: 'effectScatter', coordinateSystem: 'geo', geoIndex: 0,
          data: fires, symbol: 'path://' + L.FIRE_PATH, symbolSize: [26, 30], symbolOffset: [0, -6], z: 8,
          showEffectOn: 'render', rippleEffect: { brushType: 'fill', scale: 3.6, period: 1.6, number: 2, color: 'rgba(255,106,43,0.55)' },
          itemStyle: { color: '#ff6a2b', borderColor: '#ffe08a', borderWidth: 1.5, shadowColor: '#ff3b00', shadowBlur: 16 },
          animation: false,
        },
      ];
    }

    countRegion(code, online, sev) {
      const key = String(code || '');
      const r = this.regionStats.get(key) || { total: 0, online: 0, alarmed: 0 };
      r.total++;
      if (online) r.online++;
      if (sev) r.alarmed++;
      this.regionStats.set(key, r);
    }

    alarmSeverityBySource() {
      const m = new Map();
      for (const a of this.state.alarms.values()) {
        if (a.source) m.set(String(a.source), strongest(m.get(String(a.source)), a.severity));
      }
      return m;
    }

    // alarmSeries pulses once per alarmed place: the most severe alarm of each
    // device, or the alarm's own position when its device is unknown.
    alarmSeries() {
      const top = new Map();
      for (const [id, a] of this.state.alarms) {
        const dev = this.state.devices.get(String(a.source));
        const pos = hasPosition(a) ? [a.lon, a.lat] : hasPosition(dev) ? [dev.lon, dev.lat] : null;
        if (!pos) continue;
        const key = a.source ? 'd:' + a.source : 'a:' + id;
        const prev = top.get(key);
        if (!prev || L.severityRank(a.severity) > L.severityRank(prev.severity)) {
          top.set(key, { id, severity: a.severity, value: pos, source: a.source });
        }
      }
      const data = Array.from(top.values())
        .sort((x, y) => L.severityRank(x.severity) - L.severityRank(y.severity))
        .map((t) => ({
          value: t.value, alarmId: t.id, source: t.source,
          itemStyle: { color: sevColor(t.severity) },
        }));
      return {
        id: 'alarms', name: '活跃告警', type: 'effectScatter', coordinateSystem: 'geo', geoIndex: 0,
        data, symbolSize: 20, z: 5, silent: false, showEffectOn: 'render',
        rippleEffect: { brushType: 'stroke', scale: 3.2, period: 2.4, number: 3 },
        animation: false,
      };
    }

    tooltip(p) {
      const data = p.data || {};
      if (data.caseId !== undefined) return this.caseTooltip(data.caseId);
      if (data.incidentId !== undefined) return this.incidentTooltip(data.incidentId);
      if (data.alarmId !== undefined) return this.alarmTooltip(data);
      if (data.deviceId !== undefined) return this.deviceTooltip(data.deviceId);
      return '';
    }

    regionTooltip(name) {
      let code = '';
      if (this.regions) for (const [c, n] of this.regions.names) if (n === name) code = c;
      const r = this.regionStats.get(code) || { total: 0, online: 0, alarmed: 0 };
      const hub = this.state.online && this.state.online.by_region && this.state.online.by_region[code];
      const on = hub || r;
      const rate = hub && Number.isFinite(hub.rate) ? hub.rate : on.total ? on.online / on.total : null;
      return `<b style="font-size:20px">${L.escapeHTML(name)}</b><br>` +
        `设备 ${on.total} 台 · 在线 ${on.online} 台 · 在线率 ${L.formatRate(rate)}<br>告警设备 ${r.alarmed} 台`;
    }

    incidentTooltip(id) {
      const inc = this.state.incidents.get(String(id));
      if (!inc) return '';
      const c = L.categoryInfo(inc.category);
      const method = (inc.location && inc.location.method) || 'device';
      const p = L.incidentPoint(inc);
      const segs = L.bearingSegments(inc, this.state.alarms, this.state.devices).map((sg) =>
        `${L.escapeHTML(sg.towerName)}：方位 ${sg.bearing.toFixed(1)}°` + (sg.type === 'fix' ? ` · ${(sg.distanceM / 1000).toFixed(1)} km` : ''));
      return `<b style="font-size:20px;color:${sevColor(inc.severity)}">${L.escapeHTML(inc.title || c.label)}</b><br>` +
        `${L.escapeHTML(c.label)} · ${L.escapeHTML(sevLabel(inc.severity))} · ${L.escapeHTML(L.methodLabel(method))}<br>` +
        (p ? `位置 ${p[0].toFixed(4)}°E, ${p[1].toFixed(4)}°N<br>` : '') +
        (segs.length ? segs.join('<br>') + '<br>' : '') +
        `告警 ${(inc.alarm_ids || []).length} 条 · 首报 ${L.escapeHTML(L.formatTime(inc.first_seen))}`;
    }

    caseTooltip(id) {
      const c = this.state.cases.get(String(id));
      if (!c) return '';
      const x = L.caseInfo(c);
      const assist = (Array.isArray(c.tasks) ? c.tasks : []).filter((t) => t && t.role === 'assist').length;
      const due = x.dueText
        ? `<span style="color:${x.overdue ? '#ff4d4d' : x.warned ? '#ffc53d' : '#e6f3ff'}">` +
          `${L.escapeHTML(x.stageLabel)}时限 ${L.escapeHTML(x.dueText)}${x.overdue ? ' · 已超期' : x.paused ? ' · 已暂停' : ''}</span><br>`
        : '';
      const region = this.regionName(c.region_code);
      return `<b style="font-size:20px">${L.escapeHTML(x.title)}</b><br>` +
        `<span style="color:#8fb3d6">${L.escapeHTML(x.no)}</span> · <span style="color:${x.color}">${L.escapeHTML(x.stateLabel)}</span>` +
        (region ? ` · ${L.escapeHTML(region)}` : '') + '<br>' +
        `主办 ${L.escapeHTML(x.agency || '待派遣')}` + (assist ? ` · 协办 ${assist} 家` : '') + '<br>' +
        due +
        (x.escalated ? '<span style="color:#ff8a1f">已督办</span><br>' : '') +
        (x.plan ? `<span style="color:#ff8c8c">预案 ${L.escapeHTML(x.plan)}</span><br>` : '') +
        `<span style="color:#8fb3d6">上报 ${L.escapeHTML(L.formatTime(c.created_at))}</span>`;
    }

    deviceTooltip(id) {
      const d = this.state.devices.get(id);
      if (!d) return '';
      const k = L.kindInfo(d.kind);
      const sev = strongest(d.alarm_severity, this.alarmSeverityBySource().get(id));
      const status = sev ? `<span style="color:${sevColor(sev)}">告警 · ${L.SEVERITY[sev].label}</span>`
        : d.online ? '<span style="color:#3ee08f">在线</span>' : '<span style="color:#9aa7b4">离线</span>';
      const rows = Object.keys(d.values || {}).slice(0, 8).map((m) =>
        `${L.escapeHTML(L.metricLabel(d.kind, m))}：<b>${L.escapeHTML(L.formatMetric(d.kind, m, d.values[m]))}</b>`);
      return `<b style="font-size:20px">${L.escapeHTML(d.name || id)}</b><br>` +
        `${L.escapeHTML(k.label)} · ${L.escapeHTML(d.region_name || this.regionName(d.region_code))} · ${status}<br>` +
        (rows.length ? rows.join('<br>') + '<br>' : '') +
        `<span style="color:#8fb3d6">更新 ${L.escapeHTML(L.formatTime(d.last_seen))}</span>`;
    }

    alarmTooltip(data) {
      const dev = this.state.devices.get(String(data.source));
      const alarms = Array.from(this.state.alarms.values())
        .filter((a) => (data.source ? String(a.source) === String(data.source) : false))
        .sort((x, y) => L.severityRank(y.severity) - L.severityRank(x.severity));
      if (!alarms.length) {
        const a = this.state.alarms.get(data.alarmId);
        if (a) alarms.push(a);
      }
      const lines = alarms.slice(0, 5).map((a) =>
        `<span style="color:${sevColor(a.severity)}">【${L.escapeHTML(sevLabel(a.severity))}】</span>${L.escapeHTML(a.label || a.type)}`);
      const head = dev ? this.deviceTooltip(String(data.source)) : `<b style="font-size:20px">${L.escapeHTML(data.source || '告警')}</b>`;
      return head + '<hr style="border:0;border-top:1px solid #2f9bff55;margin:6px 0">' + lines.join('<br>');
    }
  }

  // A map pin on a 24×24 grid, its tip at the bottom (the case's place).
  const CASE_PIN = 'M12 1a8.5 8.5 0 0 0-8.5 8.5C3.5 15.5 12 23 12 23s8.5-7.5 8.5-13.5A8.5 8.5 0 0 0 12 1z';

  function hasPosition(x) {
    return !!x && Number.isFinite(x.lon) && Number.isFinite(x.lat) && !(x.lon === 0 && x.lat === 0);
  }

  function strongest(a, b) {
    const s = L.severityRank(a) >= L.severityRank(b) ? a : b;
    return L.severityRank(s) > 0 ? s : '';
  }

  function sevColor(sev) {
    return L.SEVERITY[sev] ? L.SEVERITY[sev].color : '#ff3b3b';
  }

  function sevLabel(sev) {
    return L.SEVERITY[sev] ? L.SEVERITY[sev].label : String(sev || '告警');
  }

  // deviceItem: an air or water station keeps its AQI / class colour even
  // when alarmed (the pulse under it shows the alarm); other devices turn
  // the colour of their alarm. labelAQI writes the station's AQI beside it.
  function deviceItem(id, d, sev, labelAQI) {
    const k = L.kindInfo(d.kind);
    const tint = d.online ? L.envTint(d) : null;
    const color = tint || (sev ? sevColor(sev) : d.online ? k.color : L.OFFLINE_COLOR);
    const item = {
      value: [d.lon, d.lat], deviceId: id,
      symbolSize: sev ? 20 : tint ? 18 : d.online ? 15 : 12,
      itemStyle: { color, borderColor: sev ? '#ffffff' : 'rgba(2,16,36,0.9)', borderWidth: sev ? 2 : 1, opacity: d.online || sev ? 1 : 0.85 },
      rank: sev ? 2 : d.online ? 1 : 0,
    };
    const aqi = labelAQI && d.online ? L.aqiOf(d) : null;
    if (aqi) {
      item.label = {
        // up and to the left: 贺兰山's fires and towers are just south-east of 巴彦浩特
        show: true, position: 'left', distance: 6, offset: [0, -12], formatter: 'AQI ' + aqi.aqi,
        color: L.legibleOnDark(aqi.colour), fontSize: 17, fontWeight: 'bold', textBorderColor: '#021024', textBorderWidth: 3,
      };
    }
    return item;
  }

  function kindSeries(kind, data) {
    const k = kind === 'other' ? L.kindInfo('') : L.KINDS[kind];
    // Alarmed markers last, so they are drawn on top of their neighbours.
    data.sort((x, y) => x.rank - y.rank);
    return {
      id: 'dev-' + kind, name: k.label, type: 'scatter', coordinateSystem: 'geo', geoIndex: 0,
      symbol: k.symbol, data, z: 3, animation: false, progressive: 0, labelLayout: { hideOverlap: true },
      emphasis: { scale: 1.6 },
    };
  }

  return { LeagueMap, prepareRegions, MAP_NAME, MAP_FONT: FONT, ASPECT_SCALE, CASE_PIN };
});
