// The cockpit's policy panel: fills its figures from the cockpit's data answer.
document.addEventListener("cockpit:data", function (ev) {
  var figures = (ev.detail && ev.detail.policy) || {};
  document.querySelectorAll("#policy-panel [data-figure]").forEach(function (el) {
    var v = figures[el.dataset.figure];
    el.textContent = v === undefined ? "–" : String(v);
  });
});
