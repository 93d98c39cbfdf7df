// Keeps each [data-countdown] line current: the server printed it once, time moves on.
(function () {
  const nodes = document.querySelectorAll("[data-countdown]");
  function update() {
    const now = Date.now();
    for (const node of nodes) {
      const left = new Date(node.dataset.countdown).getTime() - now;
      if (Number.isNaN(left)) continue;
      if (left <= 0) {
        node.textContent = "已截止";
        continue;
      }
      const hours = Math.floor(left / 3600000);
      node.textContent = `剩余 ${Math.floor(hours / 24)} 天 ${hours % 24} 小时`;
    }
  }
  if (nodes.length) {
    update();
    setInterval(update, 60000);
  }
})();
