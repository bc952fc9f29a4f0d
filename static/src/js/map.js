// The map of Denmark: municipality or region polygons (simplified at build time into
// static/data/dk_map.json) shaded by the class each area's figure falls in. The classes are
// computed on the server, so the legend, the table and the map agree.
(function () {
  'use strict';
  var holder = document.getElementById('dk-map');
  var source = document.getElementById('map-data');
  if (!holder || !source) return;
  var figures = JSON.parse(source.textContent);
  var text = holder.dataset;
  var SVG = 'http://www.w3.org/2000/svg';
  var byCode = { municipality: {}, region: {} };
  Object.keys(byCode).forEach(function (area) {
    (figures.areas[area] || []).forEach(function (row) { byCode[area][row.code] = row; });
  });
  var layers = {};

  function current(name) {
    var checked = document.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }

  function element(name, attributes) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    return node;
  }

  function build(geometry) {
    var svg = element('svg', { viewBox: geometry.viewBox, class: 'dk-map-svg', role: 'img', 'aria-labelledby': 'dk-map-title' });
    var title = element('title', { id: 'dk-map-title' });
    title.textContent = text.textTitle;
    svg.appendChild(title);
    [['municipality', geometry.municipalities], ['region', geometry.regions]].forEach(function (pair) {
      var group = element('g', { class: 'map-layer map-layer-' + pair[0] });
      pair[1].forEach(function (shape) {
        var path = element('path', { d: shape.d, class: 'map-area', 'data-code': shape.code });
        path.appendChild(element('title'));
        group.appendChild(path);
      });
      layers[pair[0]] = group;
      svg.appendChild(group);
    });
    var inset = geometry.inset;
    svg.appendChild(element('rect', {
      x: inset.x - 6, y: inset.y - 6, width: inset.width + 12, height: inset.height + 12, class: 'map-inset',
    }));
    holder.replaceChildren(svg);
    paint();
  }

  function paint() {
    var area = current('map-area') || 'municipality';
    var measure = current('map-measure') || 'participation';
    Object.keys(layers).forEach(function (key) { layers[key].classList.toggle('is-hidden', key !== area); });
    var label = figures.measures[measure];
    layers[area].querySelectorAll('path').forEach(function (path) {
      var row = byCode[area][path.dataset.code];
      var bin = row ? row[measure + '_bin'] : null;
      path.setAttribute('class', 'map-area ' + (bin === null ? 'map-bin-none' : 'map-bin-' + bin));
      path.firstChild.textContent = row ? row.name + ': ' + row[measure] + ' (' + label + ')' : path.dataset.code + ': ' + text.textNoData;
    });
    document.querySelectorAll('.map-legend').forEach(function (legend) {
      legend.hidden = !(legend.dataset.area === area && legend.dataset.measure === measure);
    });
  }

  document.querySelectorAll('input[name="map-area"], input[name="map-measure"]').forEach(function (radio) {
    radio.addEventListener('change', function () { if (Object.keys(layers).length) paint(); });
  });
  fetch(holder.dataset.geometryUrl, { credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then(build)
    .catch(function () {
      var p = document.createElement('p');
      p.textContent = text.textError;
      holder.replaceChildren(p);
    });
})();
