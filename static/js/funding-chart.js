// The funding page's chart: each year's budget stacked by party. The same figures are in the table
// below it, so the chart is hidden from assistive technology.
(function () {
  'use strict';
  var source = document.getElementById('funding-chart-data');
  var canvas = document.querySelector('canvas.js-funding-chart');
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  // One colour per party, used for nothing else in the product (the legend keys use the same).
  var COLOURS = { state: '#243b7a', kl: '#8a4baf', regions: '#0b7a75', other: '#8c6d1f' };
  window.Chart.defaults.font.family = "'IBM Plex Sans', Arial, sans-serif";
  window.Chart.defaults.color = '#1a1a1a';
  var locale = document.documentElement.lang === 'en' ? 'en-GB' : 'da-DK';
  new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.years,
      datasets: data.series.map(function (series) {
        return { label: series.label, data: series.values, backgroundColor: COLOURS[series.key] || '#243b7a',
                 borderColor: '#ffffff', borderWidth: 1 };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true,
             ticks: { callback: function (value) { return (value / 1e6).toLocaleString(locale) + ' mio.'; } } },
      },
    },
  });
})();
