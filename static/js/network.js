// The interdependency network: authorities or initiatives as nodes, grouped (compound nodes) by
// level of government, laid out with fcose. Data comes from the JSON endpoint in data-url; the
// same links are written into a table for screen readers and keyboard users. By keyboard, the
// canvas takes focus: the arrow keys step from node to node (through the search matches when a
// search found some), the focused node's name and links are announced, Enter opens it, Escape leaves.
(function () {
  'use strict';
  var container = document.getElementById('network');
  if (!container) return;
  var status = document.getElementById('network-status');
  var table = document.getElementById('network-table');
  var search = document.getElementById('network-search');
  var levelSelect = document.getElementById('network-level');
  var focusInfo = document.getElementById('network-focus');
  var exitTarget = document.querySelector('.network-table-details summary');
  var text = container.dataset;
  var cy = null;
  var request = 0;
  var edgeOpacity = 0.7;
  var focused = null; // the node the keyboard is on

  // Level colours (contrast ≥ 3:1 against the white canvas) and their light group backgrounds.
  var LEVELS = {
    central: { node: '#0059b3', group: '#e6f0fa' },
    regional: { node: '#7a3d99', group: '#f3ebf7' },
    municipal: { node: '#2e7a2e', group: '#ebf5eb' },
    partner: { node: '#8a5a00', group: '#faf2e3' },
    '': { node: '#5c5c5c', group: '#f2f2f2' },
  };

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function say(message) {
    status.textContent = message;
  }

  if (window.cytoscape && window.cytoscapeFcose) {
    window.cytoscape.use(window.cytoscapeFcose);
  }

  function selectedNodes() {
    var checked = document.querySelector('input[name="nodes"]:checked');
    return checked ? checked.value : 'authorities';
  }

  function load() {
    if (!window.cytoscape) {
      say(text.textError);
      return;
    }
    var params = new URLSearchParams();
    params.set('nodes', selectedNodes());
    if (text.strategy) params.set('strategy', text.strategy);
    if (text.criticality) params.set('criticality', text.criticality);
    if (levelSelect.value) params.set('level', levelSelect.value);
    var mine = ++request;
    say(text.textLoading);
    container.classList.add('is-loading');
    fetch(text.url + '?' + params.toString(), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (mine !== request) return; // a newer request superseded this one
        draw(data);
      })
      .catch(function () {
        if (mine === request) say(text.textError);
      })
      .finally(function () {
        if (mine === request) container.classList.remove('is-loading');
      });
  }

  function draw(data) {
    var elements = [];
    data.levels.forEach(function (level) {
      elements.push({ group: 'nodes', data: { id: level.id, label: level.label, level: level.level, isGroup: true } });
    });
    var degree = {};
    data.edges.forEach(function (edge) {
      degree[edge.source] = (degree[edge.source] || 0) + edge.weight;
      degree[edge.target] = (degree[edge.target] || 0) + edge.weight;
    });
    var maxDegree = Math.max.apply(null, [1].concat(Object.keys(degree).map(function (k) { return degree[k]; })));
    var labels = {};
    data.nodes.forEach(function (node) {
      labels[node.id] = node.label;
      elements.push({
        group: 'nodes',
        data: {
          id: node.id,
          parent: 'level-' + node.level,
          label: node.label,
          level: node.level,
          url: node.url,
          atRisk: node.at_risk ? 1 : 0,
          degree: degree[node.id] || 0,
          size: 14 + Math.round(26 * Math.sqrt((degree[node.id] || 0) / maxDegree)),
        },
      });
    });
    data.edges.forEach(function (edge, index) {
      elements.push({
        group: 'edges',
        data: {
          id: 'e' + index,
          source: edge.source,
          target: edge.target,
          weight: edge.weight,
          width: 1 + Math.min(5, Math.log2(1 + edge.weight)),
          atRisk: edge.at_risk ? 1 : 0,
        },
      });
    });

    edgeOpacity = data.edges.length > 200 ? 0.35 : 0.7;
    if (cy) cy.destroy();
    cy = window.cytoscape({
      container: container,
      elements: elements,
      minZoom: 0.1,
      maxZoom: 4,
      boxSelectionEnabled: false,
      style: [
        {
          selector: 'node',
          style: {
            'background-color': function (n) { return (LEVELS[n.data('level')] || LEVELS['']).node; },
            label: 'data(label)',
            'font-size': 10,
            // Labels only once zoomed in far enough to read them; search matches always show theirs.
            'min-zoomed-font-size': 12,
            'text-valign': 'bottom',
            'text-margin-y': 3,
            color: '#1a1a1a',
            'text-wrap': 'ellipsis',
            'text-max-width': 140,
          },
        },
        { selector: 'node[size]', style: { width: 'data(size)', height: 'data(size)' } },
        {
          selector: 'node[?isGroup]',
          style: {
            'background-color': function (n) { return (LEVELS[n.data('level')] || LEVELS['']).group; },
            'border-color': function (n) { return (LEVELS[n.data('level')] || LEVELS['']).node; },
            'border-width': 1,
            shape: 'round-rectangle',
            label: 'data(label)',
            'font-size': 14,
            'font-weight': 600,
            'min-zoomed-font-size': 0,
            'text-valign': 'top',
            'text-halign': 'center',
            'text-margin-y': -4,
            padding: 12,
          },
        },
        { selector: 'node[atRisk = 1]', style: { 'border-width': 3, 'border-color': '#c41a1a' } },
        {
          selector: 'edge',
          style: {
            width: 'data(width)',
            'line-color': '#8c8c8c',
            'target-arrow-color': '#8c8c8c',
            'target-arrow-shape': 'triangle',
            'arrow-scale': 0.8,
            'curve-style': 'bezier',
            opacity: function () { return edgeOpacity; },
          },
        },
        { selector: 'edge[atRisk = 1]', style: { 'line-color': '#c41a1a', 'target-arrow-color': '#c41a1a' } },
        { selector: '.faded', style: { opacity: 0.15 } },
        // The largest nodes and the selected one keep their label at every zoom and filter.
        {
          selector: 'node.labelled, node:selected',
          style: {
            'min-zoomed-font-size': 0, 'font-size': 12, 'font-weight': 600, 'text-background-color': '#ffffff',
            'text-background-opacity': 0.85, 'text-background-padding': 2, 'z-index': 5,
          },
        },
        { selector: 'node.match', style: { 'border-width': 4, 'border-color': '#1a1a1a', 'font-size': 14, 'min-zoomed-font-size': 0, 'z-index': 10 } },
        {
          selector: 'node.keyboard-focus',
          style: {
            'border-width': 5, 'border-style': 'double', 'border-color': '#1a1a1a', 'font-size': 14,
            'font-weight': 600, 'min-zoomed-font-size': 0, 'text-background-color': '#ffffff',
            'text-background-opacity': 1, 'text-background-padding': 2, 'z-index': 20,
            'underlay-color': '#ffbf47', 'underlay-opacity': 1, 'underlay-padding': 7, 'underlay-shape': 'ellipse',
          },
        },
      ],
      layout: {
        name: window.cytoscapeFcose ? 'fcose' : 'cose',
        animate: false,
        quality: 'default',
        randomize: true,
        nodeRepulsion: 9000,
        idealEdgeLength: 90,
        nodeSeparation: 90,
        nestingFactor: 0.1,
        gravity: 0.15,
        gravityCompound: 1.5,
        tile: true,
        packComponents: true,
      },
    });
    cy.on('tap', 'node', function (event) {
      var url = event.target.data('url');
      if (url) window.location.href = url;
    });
    window.portfolioNetwork = cy;

    focused = null;
    focusInfo.textContent = '';
    labelLargest(cy, LABELLED_NODES);
    fillTable(data, labels);
    if (!data.nodes.length) {
      say(text.textEmpty);
    } else {
      var message = format(text.textShown, { nodes: data.nodes.length, edges: data.edges.length });
      if (data.truncated) message += ' ' + format(text.textCapped, { cap: data.cap });
      say(message);
    }
    if (search.value) highlight();
  }

  // The ten nodes with the most dependencies are labelled whatever the zoom: never a graph of
  // unnamed dots, whatever the filter.
  var LABELLED_NODES = 10;
  function labelLargest(graph, count) {
    graph.nodes('[!isGroup]').sort(function (a, b) { return b.data('degree') - a.data('degree'); })
      .slice(0, count).addClass('labelled');
  }

  function fillTable(data, labels) {
    var body = table.querySelector('tbody');
    var urls = {};
    var illustrative = {};
    data.nodes.forEach(function (node) {
      urls[node.id] = node.url;
      illustrative[node.id] = node.illustrative;
    });
    var rows = document.createDocumentFragment();
    data.edges.forEach(function (edge) {
      var tr = document.createElement('tr');
      [edge.source, edge.target].forEach(function (id) {
        var td = document.createElement('td');
        var a = document.createElement('a');
        a.href = urls[id];
        a.textContent = labels[id];
        td.appendChild(a);
        // Demo data says so here too, as everywhere it shows.
        if (illustrative[id]) {
          var badge = document.createElement('span');
          badge.className = 'badge-illustrative';
          badge.textContent = text.textIllustrative;
          td.appendChild(document.createTextNode(' '));
          td.appendChild(badge);
        }
        tr.appendChild(td);
      });
      var weight = document.createElement('td');
      weight.className = 'numeric';
      weight.textContent = edge.weight;
      tr.appendChild(weight);
      var risk = document.createElement('td');
      risk.textContent = edge.at_risk ? text.textYes : text.textNo;
      tr.appendChild(risk);
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
  }

  function highlight() {
    if (!cy) return;
    var query = search.value.trim().toLowerCase();
    cy.elements().removeClass('faded match');
    if (!query) return;
    var matches = cy.nodes('[!isGroup]').filter(function (node) {
      return String(node.data('label')).toLowerCase().indexOf(query) >= 0;
    });
    if (matches.length) {
      cy.elements().addClass('faded');
      var neighbourhood = matches.closedNeighborhood();
      neighbourhood.removeClass('faded');
      neighbourhood.parents().removeClass('faded');
      matches.addClass('match');
      cy.animate({ fit: { eles: neighbourhood, padding: 40 } }, { duration: 200 });
    }
    say(format(text.textFound, { count: matches.length, query: search.value.trim() }));
  }

  // --- Keyboard -----------------------------------------------------------------------------
  // The nodes the arrow keys step through: the search matches if a search found any, otherwise
  // every node, by level and then by name (in the page's language: Danish puts Aarhus after Å).
  function stops() {
    if (!cy) return null;
    var nodes = cy.nodes('[!isGroup]');
    var matches = nodes.filter('.match');
    if (matches.length) nodes = matches;
    return nodes.sort(function (a, b) {
      var byLevel = levelRank(a) - levelRank(b);
      if (byLevel) return byLevel;
      return String(a.data('label')).localeCompare(String(b.data('label')), document.documentElement.lang || undefined);
    });
  }

  function levelRank(node) {
    var order = Object.keys(LEVELS);
    var rank = order.indexOf(node.data('level'));
    return rank < 0 ? order.length : rank;
  }

  function positionOf(order, node) {
    for (var i = 0; i < order.length; i += 1) {
      if (order[i].id() === node.id()) return i;
    }
    return -1;
  }

  // At most NAMES_SHOWN names, so a hub's announcement stays short; the table lists them all.
  var NAMES_SHOWN = 8;
  function names(nodes) {
    var all = nodes.map(function (n) { return String(n.data('label')); }).sort();
    if (all.length <= NAMES_SHOWN) return all.join(', ');
    return all.slice(0, NAMES_SHOWN).join(', ') + ' ' + format(text.textFocusMore, { count: all.length - NAMES_SHOWN });
  }

  function describe(node, position, count) {
    var parent = node.parent();
    var parts = [format(text.textFocus, {
      position: position, count: count, label: node.data('label'), level: parent.length ? parent.data('label') : '',
    })];
    if (node.data('atRisk')) parts.push(text.textFocusAtRisk);
    var dependsOn = node.outgoers('node');
    var dependedOnBy = node.incomers('node');
    if (dependsOn.length) parts.push(format(text.textFocusDependsOn, { names: names(dependsOn) }));
    if (dependedOnBy.length) parts.push(format(text.textFocusDependedOn, { names: names(dependedOnBy) }));
    if (!dependsOn.length && !dependedOnBy.length) parts.push(text.textFocusNoLinks);
    parts.push(text.textFocusOpen);
    return parts.join(' ');
  }

  // Puts the node itself (not its label, which `center` would count in) in the middle of the canvas.
  function centre(node, zoom) {
    var position = node.position();
    cy.stop();
    cy.animate({
      zoom: zoom,
      pan: { x: cy.width() / 2 - position.x * zoom, y: cy.height() / 2 - position.y * zoom },
    }, { duration: 150 });
  }

  function focusNode(node) {
    if (focused) focused.removeClass('keyboard-focus');
    cy.nodes().unselect();
    focused = node;
    node.addClass('keyboard-focus');
    node.select();
    centre(node, Math.max(cy.zoom(), 1));
    var order = stops();
    focusInfo.textContent = describe(node, positionOf(order, node) + 1, order.length);
  }

  function step(delta) {
    var order = stops();
    if (!order || !order.length) return;
    var index = focused ? positionOf(order, focused) : -1;
    if (index < 0) index = delta > 0 ? 0 : order.length - 1;
    else index = (index + delta + order.length) % order.length;
    focusNode(order[index]);
  }

  function leave() {
    if (focused) focused.removeClass('keyboard-focus');
    if (cy) cy.nodes().unselect();
    focused = null;
    focusInfo.textContent = '';
    if (exitTarget) exitTarget.focus();
  }

  var KEYS = {
    ArrowRight: 1, ArrowDown: 1, n: 1, ArrowLeft: -1, ArrowUp: -1, p: -1,
  };

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key in KEYS) {
      event.preventDefault();
      step(KEYS[event.key]);
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      var order = stops();
      if (order && order.length) focusNode(order[event.key === 'Home' ? 0 : order.length - 1]);
    } else if (event.key === 'Enter' && focused) {
      event.preventDefault();
      if (focused.data('url')) window.location.href = focused.data('url');
    } else if (event.key === 'Escape') {
      event.preventDefault();
      leave();
    }
  }

  var searchTimer = null;
  search.addEventListener('input', function () {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(highlight, 200);
  });
  search.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      event.preventDefault();
      window.clearTimeout(searchTimer);
      highlight();
      var matches = stops().filter('.match');
      if (matches.length) {
        container.focus();
        focusNode(matches[0]);
      }
    }
  });
  container.addEventListener('keydown', onKey);
  levelSelect.addEventListener('change', load);
  document.querySelectorAll('input[name="nodes"]').forEach(function (radio) {
    radio.addEventListener('change', load);
  });
  document.querySelectorAll('[data-zoom]').forEach(function (button) {
    button.addEventListener('click', function () {
      if (!cy) return;
      var centre = { x: container.clientWidth / 2, y: container.clientHeight / 2 };
      if (button.dataset.zoom === 'fit') cy.fit(undefined, 30);
      else cy.zoom({ level: cy.zoom() * (button.dataset.zoom === 'in' ? 1.3 : 1 / 1.3), renderedPosition: centre });
    });
  });
  load();
})();
