// The board's progress chart; the numbers come from the page (json_script), the table repeats them.
(function () {
  var source = document.getElementById("progress-data");
  var canvas = document.getElementById("chart-progress");
  if (!source || !canvas || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: "已通过的项目数", data: data.accepted, backgroundColor: "#0d6efd" }]
    },
    options: {
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
})();
