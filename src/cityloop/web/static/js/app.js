// CityLoop pages: small progressive enhancements; every page also works without this file.
(function () {
  "use strict";
  var en = document.documentElement.lang === "en";

  // Live deadline countdowns (the server renders the first value and the card colour).
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.deadline) - now) / 1000);
      var a = Math.abs(left), d = Math.floor(a / 86400), h = Math.floor(a % 86400 / 3600), m = Math.floor(a % 3600 / 60);
      var span = en ? (d ? d + "d " + h + "h" : h + "h " + m + "m") : (d ? d + "天" + h + "小时" : h + "小时" + m + "分");
      el.textContent = en ? (left >= 0 ? span + " left" : "overdue " + span) : (left >= 0 ? "还剩" + span : "超期" + span);
      if (left < 0) { el.classList.remove("card-none", "card-yellow"); el.classList.add("card-red"); }
    });
  }
  setInterval(tick, 30000);

  document.addEventListener("click", function (ev) {
    var t = ev.target.closest("[data-fill-category],[data-fill-address],[data-geolocate]");
    if (!t) return;
    if (t.dataset.fillCategory) {
      var sel = document.getElementById("f-category_code");
      if (sel) { sel.value = t.dataset.fillCategory; sel.dispatchEvent(new Event("change", {bubbles: true})); }
    }
    if (t.dataset.fillAddress) {
      var addr = document.getElementById("f-address"), div = document.getElementById("f-division_code");
      if (addr) addr.value = t.dataset.fillAddress;
      if (div && t.dataset.fillDivision) {
        // Pick the closest listed division (the select lists districts and streets).
        var code = t.dataset.fillDivision;
        while (code.length >= 4 && !div.querySelector('option[value="' + code + '"]')) code = code.slice(0, code.length > 9 ? 9 : code.length > 6 ? 6 : 4);
        if (div.querySelector('option[value="' + code + '"]')) div.value = code;
      }
      t.remove();
    }
    if (t.dataset.geolocate !== undefined) locate(t);
  });

  // Copy buttons (e.g. the lookup code): the text is in data-copy; the button says "copied" for a moment.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-copy]");
    if (!b || !navigator.clipboard) return;
    navigator.clipboard.writeText(b.dataset.copy).then(function () {
      var was = b.textContent; b.textContent = b.dataset.copied || "✓";
      setTimeout(function () { b.textContent = was; }, 2000);
    });
  });

  function locate(btn) {
    var out = document.getElementById(btn.dataset.out);
    if (!navigator.geolocation) { if (out) out.textContent = en ? "Location unavailable" : "无法定位"; return; }
    if (out) out.textContent = en ? "Locating…" : "定位中…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lng = pos.coords.longitude.toFixed(6), lat = pos.coords.latitude.toFixed(6);
      document.getElementById(btn.dataset.lng).value = lng;
      document.getElementById(btn.dataset.lat).value = lat;
      // Workers need to know the fix worked, not read raw coordinates; the address field says where in words.
      var acc = Math.round(pos.coords.accuracy || 0);
      if (out) out.textContent = (en ? "Location captured" : "已获取当前位置") + (acc ? (en ? " (±" + acc + " m)" : "（误差约" + acc + "米）") : "");
    }, function () { if (out) out.textContent = en ? "Location refused or unavailable" : "定位失败或被拒绝"; },
    {enableHighAccuracy: true, timeout: 10000});
  }

  // Lists with checkboxes: a "check all" box and a live count of checked boxes (no inline handlers: CSP).
  function countChecked() {
    document.querySelectorAll("[data-checked-count]").forEach(function (el) {
      el.textContent = document.querySelectorAll('input[name="' + el.dataset.checkedCount + '"]:checked').length;
    });
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.dataset && t.dataset.checkAll) {
      document.querySelectorAll('input[name="' + t.dataset.checkAll + '"]').forEach(function (c) { c.checked = t.checked; });
    }
    if (t.matches && t.matches("select[data-autosubmit]") && t.form) t.form.submit();
    countChecked();
  });

  // Ctrl/Cmd+Enter submits keyboard-heavy forms (the agent desk).
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      var form = ev.target.closest && ev.target.closest("form[data-submit-shortcut]");
      if (form) { ev.preventDefault(); form.requestSubmit(); }
    }
  });

  // htmx: send the CSRF token with every request (also set on <body hx-headers>, kept here for forms outside).
  document.addEventListener("htmx:configRequest", function (ev) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) ev.detail.headers["X-CSRF-Token"] = meta.content;
  });

  // Field errors come from the app in the page's language (zh/en), not from the browser's own bubbles.
  function appValidates() { document.querySelectorAll("form").forEach(function (f) { f.noValidate = true; }); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", appValidates); else appValidates();
  document.addEventListener("htmx:afterSwap", appValidates);

  // Keyboard: "/" focuses the search box; on a queue j/k move between rows, Enter opens, d dispatches the row.
  function typing(el) { return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]")); }
  function move(step) {
    var list = rows(); if (!list.length) return;
    var at = list.findIndex(function (r) { return r.classList.contains("row-focus"); });
    var next = list[Math.max(0, Math.min(list.length - 1, at < 0 ? 0 : at + step))];
    list.forEach(function (r) { r.classList.remove("row-focus"); });
    next.classList.add("row-focus"); next.scrollIntoView({block: "nearest"});
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    var focused = document.querySelector("[data-queue-row].row-focus");
    if (ev.key === "/") {
      var box = document.querySelector('[data-hotkey="/"]');
      if (box) { ev.preventDefault(); box.focus(); }
    } else if (ev.key === "j" || ev.key === "k") {
      move(ev.key === "j" ? 1 : -1);
    } else if (ev.key === "Enter" && focused) {
      var link = focused.querySelector("a[href]"); if (link) link.click();
    } else if (ev.key === "d" && focused) {
      var go = focused.querySelector("[data-quick-dispatch]"); if (go) { ev.preventDefault(); go.click(); }
    }
  });

  // A refresh must not pull a row from under the dispatcher's hand (an open unit picker, a ticked box).
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var rowsEl = document.getElementById("queue-rows");
    if (ev.detail.elt !== rowsEl) return;
    var busy = rowsEl.contains(document.activeElement) || rowsEl.querySelector("input[type=checkbox]:checked");
    if (busy) ev.preventDefault();
  });

  // The queue announces new cases in the tab title while the dispatcher looks elsewhere.
  var baseTitle = document.title;
  document.addEventListener("htmx:afterSwap", function () {
    var marker = document.querySelector("[data-queue-total]");
    if (!marker) return;
    var total = parseInt(marker.dataset.queueTotal, 10), seen = parseInt(sessionStorage.getItem("queueSeen") || "0", 10);
    if (document.hidden && total > seen) document.title = "(" + (total - seen) + ") " + baseTitle;
    else { sessionStorage.setItem("queueSeen", String(total)); document.title = baseTitle; }
  });
  document.addEventListener("visibilitychange", function () {
    var marker = document.querySelector("[data-queue-total]");
    if (!document.hidden && marker) { sessionStorage.setItem("queueSeen", marker.dataset.queueTotal); document.title = baseTitle; }
  });
})();
