// The initiative page's dependency neighbourhood: the initiative in the middle, what it depends on
// to the right, what depends on it to the left, arrows pointing at what is depended on. The data
// comes from a json_script element; the tables beside the graph list the same for keyboard and
// screen-reader users, so nodes only add a mouse shortcut (click to open).
(function () {
  'use strict';
  var container = document.getElementById('initiative-graph');
  var source = document.getElementById('initiative-graph-data');
  var status = document.getElementById('graph-status');
  if (!container || !source) return;
  if (!window.cytoscape) {
    status.textContent = container.dataset.textError;
    return;
  }
  var data = JSON.parse(source.textContent);
  var GAP_X = 260;
  var GAP_Y = 70;
  var columns = { downstream: [], self: [], upstream: [] };
  data.nodes.forEach(function (node) { columns[node.data.role].push(node); });
  // Preset positions: deterministic, and readable without a physics layout.
  [['downstream', -GAP_X], ['self', 0], ['upstream', GAP_X]].forEach(function (pair) {
    var nodes = columns[pair[0]];
    nodes.forEach(function (node, index) {
      node.position = { x: pair[1], y: (index - (nodes.length - 1) / 2) * GAP_Y };
    });
  });
  var HEALTH = { green: '#358000', yellow: '#b37400', red: '#c41a1a' };
  var cy = window.cytoscape({
    container: container,
    elements: data.nodes.concat(data.edges),
    layout: { name: 'preset', fit: true, padding: 40 },
    minZoom: 0.3,
    maxZoom: 2.5,
    wheelSensitivity: 0.2,
    style: [
      { selector: 'node', style: {
        'background-color': '#ffffff', 'border-width': 3, 'border-color': function (n) { return HEALTH[n.data('health')] || '#5c5c5c'; },
        'label': 'data(label)', 'font-size': 13, 'color': '#1a1a1a', 'text-valign': 'center', 'text-halign': 'center',
        'width': 64, 'height': 36, 'shape': 'round-rectangle'
      } },
      { selector: 'node[role = "self"]', style: { 'background-color': '#003d7a', 'color': '#ffffff', 'width': 80, 'height': 44, 'font-weight': 'bold' } },
      { selector: 'node[?at_risk]', style: { 'border-style': 'double', 'border-width': 6 } },
      { selector: 'edge', style: {
        'width': 2, 'line-color': '#545454', 'target-arrow-color': '#545454', 'target-arrow-shape': 'triangle',
        'curve-style': 'bezier'
      } },
      { selector: 'edge[criticality = "high"]', style: { 'width': 4, 'line-color': '#b30000', 'target-arrow-color': '#b30000' } },
      { selector: 'edge[criticality = "low"]', style: { 'line-style': 'dashed' } }
    ]
  });
  cy.on('tap', 'node', function (event) {
    var url = event.target.data('url');
    if (event.target.data('role') !== 'self' && url) window.location.assign(url);
  });
  container.dataset.nodes = String(cy.nodes().length);
  container.dataset.edges = String(cy.edges().length);
  container.classList.add('is-drawn');
  window.initiativeGraph = cy;
})();
