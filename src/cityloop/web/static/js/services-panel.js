// The cockpit's 一网通办 panel: fills its figures from the cockpit's data answer.
document.addEventListener("cockpit:data", function (ev) {
  var figures = (ev.detail && ev.detail.services) || {};
  document.querySelectorAll("#services-panel [data-figure]").forEach(function (el) {
    var v = figures[el.dataset.figure];
    el.textContent = v === undefined ? "–" : String(v);
  });
});
