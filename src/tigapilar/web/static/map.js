/* tigapilar: the map page (/peta). Leaflet, no tile layer: nothing is fetched from outside this site.
   Reads /api/v1/map/* (scoped on the server); colours come from CSS classes (band-0..3), so the page
   runs under a Content-Security-Policy without inline styles or scripts. */
(function () {
  "use strict";
  var configNode = document.getElementById("peta-config");
  var mapNode = document.getElementById("peta");
  if (!configNode || !mapNode || typeof L === "undefined") { return; }
  var cfg = JSON.parse(configNode.textContent);
  var text = cfg.text;
  var NEXT = { kabkota: "kecamatan", kecamatan: "desa", desa: "tps" };
  var INDONESIA = [[-11.2, 94.9], [6.3, 141.1]];

  var map = L.map(mapNode, { attributionControl: true, zoomSnap: 0.5, preferCanvas: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("tigapilar");
  map.fitBounds(INDONESIA);
  var regionLayer = L.featureGroup().addTo(map);
  var reportLayer = L.featureGroup().addTo(map);
  var alertLayer = L.featureGroup().addTo(map);
  var status = L.control({ position: "bottomleft" });
  status.onAdd = function () { var d = L.DomUtil.create("div", "map-status"); d.setAttribute("role", "status"); return d; };
  status.addTo(map);
  function say(message) { status.getContainer().textContent = message || ""; }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }
  function number(value) { return Number(value).toLocaleString(cfg.language === "en" ? "en" : "id-ID"); }
  function decimal(value) {
    return value === null || value === undefined ? "–" : Number(value).toLocaleString(
      cfg.language === "en" ? "en" : "id-ID", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }
  function query(extra) {
    var params = new URLSearchParams(cfg.filters);
    Object.keys(extra).forEach(function (k) { if (extra[k]) { params.set(k, extra[k]); } });
    return params.toString();
  }
  function getJSON(path, extra) {
    return fetch(cfg.api + path + "?" + query(extra), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  function bandClass(level, category) {
    var bands = cfg.bands[level === "tps" ? "desa" : level] || [];
    for (var i = 0; i < bands.length; i++) { if (bands[i].code === category) { return "band-" + i; } }
    return "band-none";
  }
  function label(props) { return cfg.language === "en" ? props.category_label_en : props.category_label; }
  function row(box, name, value) {
    var line = el("div"); line.appendChild(el("span", "k", name + ": ")); line.appendChild(el("span", null, value));
    box.appendChild(line);
  }
  function pageLink(level, parent) { return cfg.root + "/peta?" + query({ level: level, parent: parent, profile: cfg.profile }); }

  function regionCard(props, level) {
    var box = el("div", "map-card");
    box.appendChild(el("strong", null, props.name));
    row(box, text.score, props.score === null ? text.no_score : decimal(props.score) + " · " + (label(props) || ""));
    if (props.worst !== null && level !== "desa") { row(box, text.worst, decimal(props.worst)); }
    row(box, text.reports, number(props.reports));
    row(box, text.alerts, number(props.alerts));
    if (props.demo_position) { box.appendChild(el("em", "muted", "(" + text.demo_position + ")")); }
    return box;
  }

  function crumbsTo(level, parent, name) {
    var list = document.getElementById("peta-crumbs");
    if (!list) { return; }
    var item = el("li"); var a = el("a", null, name); a.href = pageLink(level, parent);
    item.appendChild(a); list.appendChild(item);
  }

  function drill(level, code, name) {
    if (!level || (cfg.blurred && (level === "desa" || level === "tps"))) { return; }
    cfg.level = level; cfg.parent = code;
    crumbsTo(level, code, name);
    if (window.history && history.pushState) { history.pushState(null, "", pageLink(level, code)); }
    load();
  }

  function fit(group) {
    var bounds = group.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 }); }
  }

  function showRegions(data) {
    regionLayer.clearLayers();
    var level = data.level;
    L.geoJSON(data, {
      style: function (f) { return { className: "map-region " + bandClass(level, f.properties.category), weight: 1 }; },
      pointToLayer: function (f, latlng) {
        var extra = f.properties.demo_position ? " demo" : "";
        return L.circleMarker(latlng, { radius: 10, className: "map-region " + bandClass(level, f.properties.category) + extra });
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(regionCard(f.properties, level), { sticky: true });
        layer.on("click", function () { drill(NEXT[level], f.properties.code, f.properties.name); });
      }
    }).addTo(regionLayer);
    fit(regionLayer);
  }

  function radius(count) { return Math.min(40, 5 + 4 * Math.sqrt(count)); }

  function showReports(data) {
    reportLayer.clearLayers();
    data.regions.forEach(function (r) {
      if (r.lat === null || r.lng === null) { return; }
      L.circleMarker([r.lat, r.lng], { radius: radius(r.count), className: "map-reports", interactive: false })
        .bindTooltip(r.name + ": " + number(r.count) + " " + text.reports.toLowerCase()).addTo(reportLayer);
    });
    (data.points || []).forEach(function (p) {
      var box = el("div", "map-card");
      box.appendChild(el("strong", null, "#" + p.id + " · " + p.category));
      row(box, text.severity, p.severity); row(box, text.status, p.status);
      var a = el("a", null, "#" + p.id); a.href = cfg.root + "/laporan/" + p.id; box.appendChild(a);
      L.circleMarker([p.lat, p.lng], { radius: 5, className: "map-report-point" }).bindPopup(box).addTo(reportLayer);
    });
    if (data.points === null && cfg.level === "tps") { say(text.points_omitted); }
  }

  function showTps(data) {
    regionLayer.clearLayers();
    var missing = 0;
    data.features.forEach(function (f) {
      var p = f.properties;
      if (!f.geometry) { missing += 1; return; }
      var c = f.geometry.coordinates;
      var box = el("div", "map-card"); box.appendChild(el("strong", null, p.name));
      row(box, text.score, p.score === null ? text.no_score : decimal(p.score) + " · " + (label(p) || ""));
      L.circleMarker([c[1], c[0]], { radius: 7, className: "map-tps " + bandClass("tps", p.category) })
        .bindPopup(box).addTo(regionLayer);
    });
    if (missing) { say(text.tps + ": " + number(missing) + " " + text.no_position); }
    fit(regionLayer);
  }

  function showAlerts(data) {
    alertLayer.clearLayers();
    data.features.forEach(function (f) {
      if (!f.geometry) { return; }
      var p = f.properties; var c = f.geometry.coordinates;
      var icon = L.divIcon({ className: "map-alert sev-" + p.severity + (p.overdue ? " overdue" : ""), html: "!", iconSize: [24, 24] });
      var box = el("div", "map-card");
      box.appendChild(el("strong", null, cfg.language === "en" ? p.title_en : p.title));
      row(box, text.severity, p.severity); row(box, text.status, p.status);
      if (p.demo_position) { box.appendChild(el("em", "muted", "(" + text.demo_position + ")")); }
      var a = el("a", "map-open", text.open_alert); a.href = cfg.root + p.link; box.appendChild(a);
      L.marker([c[1], c[0]], { icon: icon, keyboard: true, title: p.title }).bindPopup(box).addTo(alertLayer);
    });
  }

  function failed() { say(text.failed); }

  function load() {
    say(text.loading);
    var level = cfg.level; var parent = cfg.parent;
    var jobs = [];
    if (level === "tps") {
      jobs.push(getJSON("/tps", { desa: parent, profile: cfg.profile }).then(showTps));
      jobs.push(getJSON("/reports", { desa: parent }).then(showReports));
    } else {
      jobs.push(getJSON("/regions", { level: level, parent: parent, profile: cfg.profile }).then(showRegions));
      jobs.push(getJSON("/reports", { level: level, parent: parent }).then(showReports));
    }
    jobs.push(getJSON("/alerts", { area: parent }).then(showAlerts));
    Promise.all(jobs).then(function () { if (status.getContainer().textContent === text.loading) { say(""); } }, failed);
  }

  window.addEventListener("popstate", function () { window.location.reload(); });
  load();
})();
