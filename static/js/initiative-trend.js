// The initiative page's lights per reporting cycle, computed and assessed. The same lights are in
// the table below it, so the chart is hidden from assistive technology.
(function () {
  'use strict';
  var source = document.getElementById('initiative-trend-data');
  var canvas = document.querySelector('canvas.js-initiative-trend');
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var names = { 1: canvas.dataset.green, 2: canvas.dataset.yellow, 3: canvas.dataset.red };
  window.Chart.defaults.font.family = "'IBM Plex Sans', Arial, sans-serif";
  window.Chart.defaults.color = '#1a1a1a';
  new window.Chart(canvas, {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: [
        { label: canvas.dataset.computed, data: data.computed, borderColor: '#6b6b6b', borderDash: [6, 4],
          backgroundColor: '#6b6b6b', pointStyle: 'rect', pointRadius: 6, spanGaps: false },
        { label: canvas.dataset.assessed, data: data.assessed, borderColor: '#004993', backgroundColor: '#004993',
          pointRadius: 6, spanGaps: false },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { min: 0.5, max: 3.5, reverse: true,
                     ticks: { stepSize: 1, callback: function (value) { return names[value] || ''; } } } },
    },
  });
})();
