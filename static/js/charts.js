// Bar charts of the overview's counts. The numbers come from a json_script block and are also in
// the tables beside each chart, so the charts are hidden from assistive technology.
(function () {
  'use strict';
  var source = document.getElementById('overview-chart-data');
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  // Colours of the status and health keys; each has at least 3:1 contrast against white.
  var COLOURS = {
    active: '#0059b3', planned: '#5c6bc0', paused: '#b35900', completed: '#358000', cancelled: '#6b6b6b',
    green: '#358000', yellow: '#b38600', red: '#c41a1a',
  };
  window.Chart.defaults.font.family = "'IBM Plex Sans', Arial, sans-serif";
  window.Chart.defaults.color = '#1a1a1a';
  document.querySelectorAll('canvas.js-count-chart').forEach(function (canvas) {
    var series = data[canvas.dataset.chart];
    if (!series) return;
    new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: series.labels,
        datasets: [{
          label: canvas.dataset.seriesLabel,
          data: series.values,
          backgroundColor: series.keys.map(function (key) { return COLOURS[key] || '#0059b3'; }),
          borderColor: '#1a1a1a',
          borderWidth: 1,
        }],
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  });
})();
