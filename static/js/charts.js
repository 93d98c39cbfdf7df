// The statistics page's charts; the numbers come from the page (json_script).
(function () {
  // The numbers come from the page (json_script); the tables above carry the same data.
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var blue = "#0d6efd", teal = "#20c997", orange = "#fd7e14", red = "#dc3545", grey = "#adb5bd";
  var TOP_SERIES = 10;
  function bar(id, labels, datasets, horizontal) {
    return new Chart(document.getElementById(id), {
      type: "bar",
      data: {labels: labels, datasets: datasets},
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        plugins: {legend: {display: datasets.length > 1}},
        scales: {x: {beginAtZero: true, ticks: {precision: 0}}, y: {beginAtZero: true, ticks: {precision: 0}}}
      }
    });
  }
  var c = data.coverage;
  bar("chart-coverage", ["已有单位申报", "多家推荐牵头", "已确定牵头单位", "无单位申报"],
      [{label: "职业（工种）数", data: [c.applied, c.contested, c.decided, c.not_applied],
        backgroundColor: [blue, orange, teal, grey]}], true);
  bar("chart-city", data.cities.map(function (x) { return x.name; }), [
    {label: "已提交", data: data.cities.map(function (x) { return x.submitted; }), backgroundColor: blue},
    {label: "已报送省中心", data: data.cities.map(function (x) { return x.received; }), backgroundColor: teal}
  ]);
  new Chart(document.getElementById("chart-industry"), {
    type: "doughnut",
    data: {
      labels: data.industries.map(function (x) { return x.name; }),
      datasets: [{data: data.industries.map(function (x) { return x.count; }), backgroundColor: [teal, blue, orange, grey]}]
    },
    options: {maintainAspectRatio: false, plugins: {legend: {position: "bottom"}}}
  });
  var top = data.series.slice(0, TOP_SERIES);
  bar("chart-series", top.map(function (x) { return x.name; }),
      [{label: "申报书", data: top.map(function (x) { return x.count; }), backgroundColor: red}], true);
})();
