// The initiative page's dependency neighbourhood: the initiative in the middle, what it depends on
// to the right, what depends on it to the left, arrows pointing at what is depended on. The data
// comes from a json_script element; the tables beside the graph list the same. By keyboard, the
// canvas takes focus: the arrow keys step through the nodes from left to right, the focused node
// and its links are announced, Enter opens it (as a click does), Escape leaves.
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
        // Wide enough for a code with its strategy ("10.12 · 2022–25").
        'width': 124, 'height': 36, 'shape': 'round-rectangle'
      } },
      { selector: 'node[role = "self"]', style: { 'background-color': '#003d7a', 'color': '#ffffff', 'width': 140, 'height': 44, 'font-weight': 'bold' } },
      { selector: 'node[?at_risk]', style: { 'border-style': 'double', 'border-width': 6 } },
      { selector: 'edge', style: {
        'width': 2, 'line-color': '#545454', 'target-arrow-color': '#545454', 'target-arrow-shape': 'triangle',
        'curve-style': 'bezier'
      } },
      // Criticality by line weight and style, never by colour: red means at risk or red health.
      { selector: 'edge[criticality = "high"]', style: { 'width': 5, 'line-color': '#1a1a1a', 'target-arrow-color': '#1a1a1a' } },
      { selector: 'edge[criticality = "low"]', style: { 'line-style': 'dashed' } },
      { selector: 'node.keyboard-focus', style: {
        'overlay-color': '#1a1a1a', 'overlay-opacity': 0.25, 'overlay-padding': 6, 'underlay-color': '#ffbf47',
        'underlay-opacity': 1, 'underlay-padding': 8, 'underlay-shape': 'round-rectangle'
      } }
    ]
  });
  cy.on('tap', 'node', function (event) {
    var url = event.target.data('url');
    if (event.target.data('role') !== 'self' && url) window.location.assign(url);
  });

  // --- Keyboard ------------------------------------------------------------------------------
  var text = container.dataset;
  var focusInfo = document.getElementById('graph-focus');
  var exitTarget = document.getElementById('upstream-heading');
  // Reading order: left to right (what depends on it, the initiative, what it depends on), then top down.
  var order = cy.nodes().sort(function (a, b) {
    return (a.position('x') - b.position('x')) || (a.position('y') - b.position('y'));
  });
  var index = -1;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  // At most NAMES_SHOWN names, so a hub's announcement stays short; the table lists them all.
  var NAMES_SHOWN = 8;
  function names(nodes) {
    var all = nodes.map(function (n) { return String(n.data('label')); }).sort();
    if (all.length <= NAMES_SHOWN) return all.join(', ');
    return all.slice(0, NAMES_SHOWN).join(', ') + ' ' + format(text.textFocusMore, { count: all.length - NAMES_SHOWN });
  }

  function describe(node) {
    var parts = [format(text.textFocus, {
      position: index + 1, count: order.length, label: node.data('label'), title: node.data('title'), lead: node.data('lead'),
    })];
    if (node.data('at_risk')) parts.push(text.textFocusAtRisk);
    var dependsOn = node.outgoers('node');
    var dependedOnBy = node.incomers('node');
    if (dependsOn.length) parts.push(format(text.textFocusDependsOn, { names: names(dependsOn) }));
    if (dependedOnBy.length) parts.push(format(text.textFocusDependedOn, { names: names(dependedOnBy) }));
    parts.push(node.data('role') === 'self' ? text.textFocusSelf : text.textFocusOpen);
    return parts.join(' ');
  }

  function focusAt(newIndex) {
    if (index >= 0) order[index].removeClass('keyboard-focus');
    cy.nodes().unselect();
    index = newIndex;
    var node = order[index];
    node.addClass('keyboard-focus');
    node.select();
    var position = node.position();
    var zoom = cy.zoom();
    cy.stop();
    cy.animate({ pan: { x: cy.width() / 2 - position.x * zoom, y: cy.height() / 2 - position.y * zoom } }, { duration: 150 });
    focusInfo.textContent = describe(node);
  }

  function leave() {
    if (index >= 0) order[index].removeClass('keyboard-focus');
    cy.nodes().unselect();
    index = -1;
    focusInfo.textContent = '';
    if (exitTarget) exitTarget.focus();
  }

  var KEYS = { ArrowRight: 1, ArrowDown: 1, n: 1, ArrowLeft: -1, ArrowUp: -1, p: -1 };
  container.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !order.length) return;
    if (event.key in KEYS) {
      event.preventDefault();
      var delta = KEYS[event.key];
      focusAt(index < 0 ? (delta > 0 ? 0 : order.length - 1) : (index + delta + order.length) % order.length);
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      focusAt(event.key === 'Home' ? 0 : order.length - 1);
    } else if (event.key === 'Enter' && index >= 0) {
      event.preventDefault();
      var node = order[index];
      if (node.data('role') !== 'self' && node.data('url')) window.location.assign(node.data('url'));
    } else if (event.key === 'Escape') {
      event.preventDefault();
      leave();
    }
  });

  container.dataset.nodes = String(cy.nodes().length);
  container.dataset.edges = String(cy.edges().length);
  container.classList.add('is-drawn');
  window.initiativeGraph = cy;
})();
