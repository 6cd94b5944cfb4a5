// Patrol check-ins: fill the time and a fresh idempotency key, and queue the check-in while the phone is offline.
(function () {
  "use strict";
  var KEY = "cityloop.patrolQueue";
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); show(q); }
  function show(q) {
    var box = document.getElementById("offline-queue");
    if (!box) return;
    box.hidden = q.length === 0;
    box.textContent = q.length + " " + box.dataset.queueLabel;
  }
  function fresh() { return (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random(); }
  function send(item) {
    var body = new URLSearchParams(item.fields);
    return fetch(item.url, {method: "POST", body: body, credentials: "same-origin",
                            headers: {"X-CSRF-Token": item.fields.csrf_token}})
      .then(function (r) { if (!r.ok && r.status >= 500) throw new Error("server"); return r; });
  }
  function flush() {
    var q = load();
    if (!q.length || !navigator.onLine) return;
    var item = q[0];
    send(item).then(function () { save(load().slice(1)); flush(); }).catch(function () { /* retry on the next online event */ });
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest("form[data-offline-queue]");
    if (!form) return;
    form.querySelector("[data-now]").value = new Date().toISOString();
    var key = form.querySelector("[data-fresh-key]");
    if (!key.value) key.value = fresh();
    if (navigator.onLine) return;  // online: a normal post, the server answers with the page
    ev.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (v, k) { if (typeof v === "string") fields[k] = v; });
    var q = load(); q.push({url: form.action, fields: fields}); save(q);
  });
  window.addEventListener("online", flush);
  show(load());
  flush();
})();
