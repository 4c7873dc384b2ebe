// Network page: the evidence graph (Cytoscape.js) and the movement map (offline US state shapes).
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  // The graph API answers Cytoscape's elements JSON: {elements: {nodes: [{data}], edges: [{data}]}},
  // each data with its kind (cytoscape.py); an ad node also has its page's href.
  function drawGraph(box) {
    var status = document.getElementById("graph-status");
    getJSON(box.getAttribute("data-src")).then(function (graph) {
      var elements = graph.elements;
      var cy = cytoscape({
        container: box,
        elements: elements,
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: { "label": "", "font-size": 9, "color": "#1f2933", "background-color": "#7b8794", "width": 14, "height": 14, "text-valign": "bottom", "text-margin-y": 3 } },
          { selector: 'node[kind != "ad"]', style: { "label": "data(label)" } },
          { selector: "node:selected, node:active", style: { "label": "data(label)", "font-weight": "bold" } },
          { selector: 'node[kind = "ad"]', style: { "background-color": "#3f6ab0", "shape": "round-rectangle", "width": 18, "height": 12 } },
          { selector: 'node[kind = "phone"]', style: { "background-color": "#c2410c", "shape": "diamond" } },
          { selector: 'node[kind = "email"]', style: { "background-color": "#7c3aed", "shape": "diamond" } },
          { selector: 'node[kind = "handle"]', style: { "background-color": "#0f766e", "shape": "diamond" } },
          { selector: 'node[kind = "image"]', style: { "background-color": "#a16207", "shape": "hexagon" } },
          { selector: 'node[kind = "name"]', style: { "background-color": "#be185d", "shape": "ellipse" } },
          { selector: "edge", style: { "width": 1.2, "line-color": "#9aa5b1", "curve-style": "haystack", "opacity": 0.8 } },
          { selector: 'edge[kind = "phone"]', style: { "line-color": "#c2410c" } },
          { selector: 'edge[kind = "email"]', style: { "line-color": "#7c3aed" } },
          { selector: 'edge[kind = "handle"]', style: { "line-color": "#0f766e" } },
          { selector: 'edge[kind = "image"]', style: { "line-color": "#a16207", "line-style": "dashed" } },
          { selector: 'edge[kind = "text"]', style: { "line-color": "#52606d", "line-style": "dotted" } }
        ],
        layout: { name: elements.nodes.length + elements.edges.length > 600 ? "grid" : "cose", animate: false, nodeRepulsion: 6000 }
      });
      cy.on("tap", "node", function (evt) {
        var d = evt.target.data();
        if (d.href) { window.location.href = d.href; }
      });
      cy.on("mouseover", "node", function (evt) {
        var d = evt.target.data();
        if (status) { status.textContent = d.kind + ": " + d.label + (d.posted_at ? " · " + d.posted_at : "") + (d.place ? " · " + d.place : ""); }
      });
      box.setAttribute("data-rendered", String(cy.nodes().length));
      var part = graph.ads_shown < graph.ads_total ? "Showing the newest " + graph.ads_shown + " of " + graph.ads_total + " ads and what joins them: " : "";
      if (status) { status.textContent = part + cy.nodes().length + " nodes, " + cy.edges().length + " typed edges. Click an ad to open it."; }
    }).catch(function (err) {
      if (status) { status.textContent = "The graph could not be drawn: " + err.message; }
    });
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  var MAP_W = 975, MAP_H = 610, MIN_W = 260;
  function zoomBox(points) {
    if (!points.length) { return null; }
    var xs = points.map(function (p) { return p[0]; }), ys = points.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var w = Math.max((x1 - x0) * 1.3, (y1 - y0) * 1.3 * MAP_W / MAP_H, MIN_W);
    w = Math.min(w, MAP_W);
    var h = w * MAP_H / MAP_W;
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    var x = Math.max(0, Math.min(MAP_W - w, cx - w / 2)), y = Math.max(0, Math.min(MAP_H - h, cy - h / 2));
    return [x, y, w, h];
  }

  function drawMap(svg) {
    Promise.all([getJSON(svg.getAttribute("data-atlas")), getJSON(svg.getAttribute("data-src"))]).then(function (both) {
      var us = both[0], stays = both[1].stays || [];
      // us-atlas's albers file is already projected to 975x610 with d3.geoAlbersUsa().scale(1300).translate([487.5, 305]).
      var path = d3.geoPath();
      var states = topojson.feature(us, us.objects.states);
      var g = el("g", { "class": "states" }, svg);
      states.features.forEach(function (f) { el("path", { d: path(f), "class": "state" }, g); });
      el("path", { d: path(topojson.mesh(us, us.objects.states, function (a, b) { return a !== b; })), "class": "borders" }, svg);
      var projection = d3.geoAlbersUsa().scale(1300).translate([487.5, 305]);
      var points = stays.map(function (s) { return s.lat == null || s.lon == null ? null : projection([s.lon, s.lat]); });
      var route = el("g", { "class": "route" }, svg);
      var prev = null;
      points.forEach(function (p) {
        if (!p) { return; }
        if (prev) { el("line", { x1: prev[0], y1: prev[1], x2: p[0], y2: p[1], "class": "leg" }, route); }
        prev = p;
      });
      // Zoom to the network's region: the box around its cities, padded, never closer than a few
      // states across, in the map's own proportions. Markers are drawn at the zoomed scale.
      var box = zoomBox(points.filter(Boolean));
      var scale = box ? Math.min(1, 1.6 * box[2] / 975) : 1;  // markers a little larger when zoomed in
      if (box) {
        svg.setAttribute("viewBox", box.map(function (v) { return v.toFixed(1); }).join(" "));
        svg.setAttribute("data-zoomed", (box[2] / 975).toFixed(3));  // the share of the US width shown
      }
      // One marker per city (a circuit revisits cities), sized by its ads, listing every visit on hover.
      var cities = {};
      points.forEach(function (p, i) {
        if (!p) { return; }
        var s = stays[i], key = s.city + "|" + s.state;
        if (!cities[key]) { cities[key] = { p: p, stay: s, ads: 0, visits: [] }; }
        cities[key].ads += s.ads || 0;
        cities[key].visits.push((i + 1) + ". " + s.first_seen.slice(0, 10) + " to " + s.last_seen.slice(0, 10) + " (" + s.ads + " ads)");
      });
      Object.keys(cities).forEach(function (key) {
        var c = cities[key], s = c.stay;
        var dot = el("g", { "class": "stop", transform: "translate(" + c.p[0] + "," + c.p[1] + ") scale(" + scale + ")" }, route);
        var circle = el("circle", { r: Math.min(5 + Math.sqrt(c.ads || 1) * 1.5, 16) }, dot);
        var t = el("title", {}, circle); t.textContent = s.city + ", " + s.state + "\n" + c.visits.join("\n");
        var n = el("text", { x: 0, y: 4, "class": "stop-n" }, dot); n.textContent = String(c.visits.length);
        var label = el("text", { x: 14, y: -8, "class": "stop-label" }, dot); label.textContent = s.city;
      });
      svg.setAttribute("data-rendered", String(points.filter(Boolean).length));
    }).catch(function (err) {
      var t = el("text", { x: 20, y: 40, "class": "map-error" }, svg); t.textContent = "The map could not be drawn: " + err.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("graph");
    if (box && window.cytoscape) { drawGraph(box); }
    var svg = document.getElementById("map");
    if (svg && window.d3 && window.topojson) { drawMap(svg); }
  });
})();
