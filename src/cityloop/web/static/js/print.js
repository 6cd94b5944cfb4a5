// The print button of the 处置单 (no inline handlers under the CSP).
document.addEventListener("click", function (ev) {
  if (ev.target.closest("[data-print]")) window.print();
});
