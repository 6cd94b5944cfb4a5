// Policy editor: while the criteria are edited, ask the preview endpoint how many subjects they would find.
(function () {
  var box = document.getElementById("policy-editor");
  if (!box) return;
  var area = document.getElementById("f-criteria");
  var status = document.getElementById("preview-status");
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var timer = null;
  function show(figures) {
    box.querySelectorAll("[data-preview]").forEach(function (el) {
      var v = figures ? figures[el.dataset.preview] : undefined;
      el.textContent = v === undefined ? "–" : String(v);
    });
  }
  function message(body) {
    var fields = (body && body.details && body.details.fields) || {};
    var lang = document.documentElement.lang === "en" ? "en" : "zh";
    var parts = Object.keys(fields).map(function (k) { return k + ": " + (fields[k][lang] || fields[k].zh); });
    return parts.join("; ") || (body && body.message && body.message[lang]) || "";
  }
  function run() {
    var criteria;
    try { criteria = JSON.parse(area.value); } catch (e) { status.textContent = "JSON: " + e.message; show(null); return; }
    fetch(box.dataset.previewUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
      body: JSON.stringify({object: box.dataset.object, criteria: criteria})
    }).then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (res) {
        if (res.ok) { status.textContent = ""; show(res.body); } else { status.textContent = message(res.body); show(null); }
      }).catch(function () { status.textContent = "…"; });
  }
  area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 500); });
  run();
})();
