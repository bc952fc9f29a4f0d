// The reporting overview's trend: each cycle's submitted reports by light, computed and assessed
// side by side. The same figures are in the table below it, so the chart is hidden from assistive
// technology.
(function () {
  'use strict';
  var source = document.getElementById('trend-chart-data');
  var canvas = document.querySelector('canvas.js-trend-chart');
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  // The health colours of the overview's charts; each has at least 3:1 contrast against white. The
  // computed bar is the lighter shade of the same colour.
  var COLOURS = { green: '#358000', yellow: '#b38600', red: '#c41a1a' };
  var LIGHTER = { green: '#8fc26b', yellow: '#e0c25c', red: '#e88080' };
  window.Chart.defaults.font.family = "'IBM Plex Sans', Arial, sans-serif";
  window.Chart.defaults.color = '#1a1a1a';
  new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series) {
        return {
          label: canvas.dataset[series.stack] + ': ' + canvas.dataset[series.light],
          data: series.values,
          stack: series.stack,
          backgroundColor: (series.stack === 'computed' ? LIGHTER : COLOURS)[series.light],
          borderColor: '#1a1a1a',
          borderWidth: 1,
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
