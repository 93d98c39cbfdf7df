// A partial update (htmx) the server refused swaps nothing, so the page would just stay as it
// was. Show what the error page says instead: its heading and what to do next.
(function () {
  "use strict";
  var SHOWN = [400, 403, 405, 413, 500, 502, 503, 504];

  function summary(html) {
    var main = new DOMParser().parseFromString(html || "", "text/html").querySelector("main");
    if (!main) return "";
    var parts = [];
    main.querySelectorAll("h1, p, li").forEach(function (element) {
      var text = element.textContent.replace(/\s+/g, " ").trim();
      if (text) parts.push(text);
    });
    return parts.join("\n");
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (SHOWN.indexOf(xhr.status) === -1) return;
    window.alert(summary(xhr.responseText) || "操作未完成，请刷新页面后重试。");
  });

  document.addEventListener("htmx:sendError", function () {
    window.alert("网络连接中断，操作未完成。请检查网络后重试。");
  });
})();
