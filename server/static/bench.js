// The bench pages (runs, receipts, certificates, nonconformities): forms marked `api-form`
// are sent to the JSON API with the session's CSRF token, and the API's problems are shown
// next to the control they name, in the page's language; Capture buttons take the device's
// latest stable reading; live panels follow each device over Server-Sent Events. Texts come
// from the page (data-* attributes), so the script has no language of its own. No inline
// script: the pages' Content-Security-Policy forbids it.
(function () {
  "use strict";
  var root = document.querySelector("[data-csrf]");
  var T = root ? root.dataset : {};
  var messages = [];
  try { messages = JSON.parse(T.messages || "[]"); } catch (e) { messages = []; }

  // ---- small helpers ----
  function translate(msg) {
    var lower = String(msg || "").toLowerCase();
    for (var i = 0; i < messages.length; i++) {
      if (lower.indexOf(messages[i][0]) >= 0) { return messages[i][1]; }
    }
    return msg;
  }

  // A number as a person types it: "55,0001" or "55.0001"; null when it is not one.
  function toNumber(text) {
    var t = String(text).trim().replace(/\s/g, "");
    if (t.indexOf(",") >= 0 && t.indexOf(".") < 0) { t = t.replace(",", "."); }
    return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? parseFloat(t) : null;
  }

  function setPath(obj, path, value) {
    var parts = path.split(".");
    for (var i = 0; i < parts.length - 1; i++) {
      if (typeof obj[parts[i]] !== "object" || obj[parts[i]] === null) { obj[parts[i]] = {}; }
      obj = obj[parts[i]];
    }
    obj[parts[parts.length - 1]] = value;
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": T.csrf || "" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        return { status: r.status, ok: r.ok, data: data };
      });
    });
  }

  // ---- messages next to controls ----
  function showIn(slot, text) {
    if (!slot) { return false; }
    slot.hidden = false;
    if (slot.textContent) { slot.textContent += " "; }
    slot.textContent += text;
    var field = slot.closest(".field, .choice-row, .checkrow, td, li");
    if (field) { field.classList.add("has-error"); }
    return true;
  }

  function clearIn(scope) {
    scope.querySelectorAll(".field-error[data-error-for], .field-error[data-error-for-value], .form-error").forEach(function (el) {
      el.hidden = true;
      el.textContent = "";
    });
    scope.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }

  // The slot for an API field path: the control the body was built from, or an element
  // marked data-error-for, in the form then in the page; shorter paths are tried too
  // (`devices[0].device_id` → `devices[0]`).
  function slotFor(form, refs, path) {
    var p = path;
    while (p) {
      var sel = '[data-error-for="' + p.replace(/"/g, "") + '"]';
      var slot = form.querySelector(sel) || (form.hasAttribute("data-summary") ? document.querySelector(sel) : null);
      if (slot) { return slot; }
      var el = refs[p];
      if (el) {
        var box = el.closest(".choice-row, .field, .checkrow, td, li");
        if (box) {
          slot = box.querySelector(".field-error");
          if (slot) { return slot; }
        }
      }
      var cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
      p = cut > 0 ? p.slice(0, cut) : "";
    }
    return null;
  }

  function general(form, text) {
    var box = form.querySelector(".form-error");
    if (!box) { window.alert(text); return; }
    var line = document.createElement("p");
    line.textContent = text;
    box.appendChild(line);
    box.hidden = false;
  }

  function showProblems(form, refs, res) {
    var err = (res.data && res.data.error) || {};
    if (res.status === 401) { general(form, T.session); return; }
    if (res.status >= 500 || !res.data) { general(form, T.failed); return; }
    var problems = err.problems || [];
    if (!problems.length) {
      // Store conflicts read "field: message".
      var m = /^([\w.\[\]-]+): (.+)$/.exec(err.message || "");
      problems = m ? [{ field: m[1], message: m[2] }] : [{ field: "", message: err.message || "" }];
      if (!m && res.status === 403 && translate(err.message) === err.message) {
        problems = [{ field: "", message: T.forbidden }];
      }
    }
    var summary = form.hasAttribute("data-summary");
    problems.forEach(function (p) {
      var text = translate(p.message);
      var slot = p.field ? slotFor(form, refs, p.field) : null;
      if (slot && slot.dataset.label && summary) {
        showIn(slot, text);
        general(form, slot.dataset.label + ": " + text);
      } else if (!showIn(slot, text) || summary) {
        general(form, text);
      }
    });
  }

  // ---- building the JSON body of a form ----
  function LocalError(el, text) { this.el = el; this.text = text; }

  function build(form) {
    var body = {}, refs = {};
    var kind = form.dataset.kind || "";
    if (kind === "environment") {
      var values = [];
      form.querySelectorAll("[data-env-quantity]").forEach(function (el) {
        if (el.value.trim() === "") { return; }
        var n = toNumber(el.value);
        if (n === null) { throw new LocalError(el, T.number); }
        refs["values[" + values.length + "]"] = el;
        refs["environment." + el.dataset.envQuantity] = el;
        values.push({ quantity: el.dataset.envQuantity, value: n, unit: el.dataset.envUnit });
      });
      return { body: { values: values }, refs: refs };
    }
    if (kind === "setup") { body.params = {}; body.standards = []; body.devices = []; }
    // Objects the API needs even when every field of them is left blank.
    (form.dataset.ensure || "").split(" ").forEach(function (k) { if (k) { body[k] = {}; } });
    var groups = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button") { return; }
      var value = el.value;
      if (el.type === "radio") {
        groups[el.name] = groups[el.name] || false;
        if (!el.checked) { return; }
        groups[el.name] = true;
        value = value === "true" ? true : value === "false" ? false : value;
      } else if (el.type === "checkbox" && el.hasAttribute("data-list")) {
        if (!el.checked) { return; }
        var list = body[el.name] || (body[el.name] = []);
        refs[el.name + "[" + list.length + "]"] = el;
        list.push(el.dataset.list === "device" ? { device_id: el.value } : el.value);
        return;
      } else if (el.type === "checkbox") {
        value = el.checked;
      } else if (el.dataset.type === "number") {
        if (value.trim() === "") { throw new LocalError(el, T.required); }
        value = toNumber(value);
        if (value === null) { throw new LocalError(el, T.number); }
      } else if (el.hasAttribute("data-optional") && value.trim() === "") {
        return;
      }
      refs[el.name] = el;
      setPath(body, el.name, value);
    });
    if (kind === "step") {
      Object.keys(groups).forEach(function (name) {
        if (!groups[name]) {
          throw new LocalError(form.querySelector('input[name="' + name + '"]'), T.required);
        }
      });
      if (!("passed" in body)) {
        var items = body.items || {};
        body.passed = Object.keys(items).every(function (k) { return items[k] === true; });
      }
    }
    if (form.hasAttribute("data-phased")) {
      var phase = document.querySelector("[data-phase]");
      if (phase && phase.value !== "as_found") { body.phase = phase.value; }
    }
    return { body: body, refs: refs };
  }

  // ---- after a change: the page's changing sections, fetched again ----
  function refresh() {
    return fetch(window.location.pathname + window.location.search, {
      credentials: "same-origin", headers: { "Accept": "text/html" }
    }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll("[data-refresh][id], #run-state").forEach(function (fresh) {
        var old = document.getElementById(fresh.id);
        if (old) { old.replaceWith(document.importNode(fresh, true)); }
      });
      procedureFields();
    });
  }

  function status(form, text) {
    var s = form.querySelector(".form-status");
    if (s) { s.textContent = text || ""; }
  }

  function done(form, data) {
    var then = form.dataset.then || "refresh";
    if (then === "reload") { window.location.reload(); return; }
    if (then === "certificate" && data && data.certificate_id) {
      window.location.assign("/certificates/" + data.certificate_id);
      return;
    }
    status(form, T.saved);
    refresh();
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form.api-form")) { return; }
    ev.preventDefault();
    clearIn(form);
    if (form.hasAttribute("data-summary")) { clearIn(document); }
    var built;
    try {
      built = build(form);
    } catch (e) {
      if (!(e instanceof LocalError)) { throw e; }
      var box = e.el && e.el.closest(".field, .checkrow, td, li, form");
      if (!showIn(box && box.querySelector(".field-error"), e.text)) { general(form, e.text); }
      if (e.el) { e.el.focus(); }
      return;
    }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    status(form, T.working);
    api(form.dataset.method || "POST", form.dataset.api, built.body).then(function (res) {
      buttons.forEach(function (b) { b.disabled = false; });
      status(form, "");
      if (res.ok) { done(form, res.data); } else { showProblems(form, built.refs, res); }
    }, function () {
      buttons.forEach(function (b) { b.disabled = false; });
      status(form, "");
      general(form, T.network);
    });
  });

  // ---- Capture: the device's latest stable reading for a point ----
  function capture(button) {
    var row = button.closest("tr");
    var slot = row && row.querySelector(".field-error");
    if (slot) { slot.hidden = true; slot.textContent = ""; }
    var body = { device_id: button.dataset.device };
    if (button.dataset.channel) { body.channel = button.dataset.channel; }
    var phase = document.querySelector("[data-phase]");
    if (phase && phase.value !== "as_found") { body.phase = phase.value; }
    button.disabled = true;
    var url = "/api/v1/runs/" + T.run + "/points/" + encodeURIComponent(button.dataset.point) + "/capture";
    api("POST", url, body).then(function (res) {
      button.disabled = false;
      if (res.ok) { return refresh(); }
      var err = (res.data && res.data.error) || {};
      var text = res.status === 401 ? T.session : res.status >= 500 || !res.data ? T.failed
        : translate(err.problems && err.problems.length ? err.problems[0].message : err.message);
      if (!showIn(slot, text)) { window.alert(text); }
    }, function () {
      button.disabled = false;
      showIn(slot, T.network);
    });
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-capture]");
    if (b) { ev.preventDefault(); capture(b); return; }
    var p = ev.target.closest && ev.target.closest("[data-print]");
    if (p) { window.print(); }
  });

  // Shortcuts at the bench: C captures the current point, N moves to the next one.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || !document.querySelector("[data-capture]")) { return; }
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || ev.target.isContentEditable) { return; }
    var current = (document.activeElement && document.activeElement.closest && document.activeElement.closest("tr.point"))
      || document.querySelector("tr.point.is-next");
    var key = ev.key.toLowerCase();
    if (key === "c" && current) {
      var b = current.querySelector("[data-capture]");
      if (b) { ev.preventDefault(); capture(b); }
    } else if (key === "n") {
      var rows = Array.prototype.slice.call(document.querySelectorAll("tr.point"));
      var next = rows[(rows.indexOf(current) + 1) % rows.length];
      if (next) {
        ev.preventDefault();
        rows.forEach(function (r) { r.classList.remove("is-next"); });
        next.classList.add("is-next");
        next.focus();
      }
    }
  });

  // ---- the set-up: only the chosen procedure's parameters ----
  function procedureFields() {
    var select = document.querySelector("[data-procedure-select]");
    if (!select) { return; }
    document.querySelectorAll("[data-procedures]").forEach(function (f) {
      var on = (" " + f.dataset.procedures + " ").indexOf(" " + select.value + " ") >= 0;
      f.hidden = !on;
      f.querySelectorAll("input, select").forEach(function (i) { i.disabled = !on; });
    });
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-procedure-select]")) { procedureFields(); }
  });
  procedureFields();

  // ---- live readings ----
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function vnTime(iso) {
    var d = new Date(Date.parse(iso) + 7 * 3600 * 1000);
    if (isNaN(d.getTime())) { return ""; }
    var day = pad(d.getUTCDate()), month = pad(d.getUTCMonth() + 1), year = d.getUTCFullYear();
    var clock = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    return (T.lang === "vi" ? day + "/" + month + "/" + year : year + "-" + month + "-" + day) + " " + clock;
  }

  function follow(box) {
    var source = new EventSource(box.dataset.stream);
    var state = box.querySelector(".live-state");
    source.addEventListener("reading", function (ev) {
      var r;
      try { r = JSON.parse(ev.data); } catch (e) { return; }
      box.querySelector(".live-value").textContent = r.value;
      box.querySelector(".live-unit").textContent = r.unit;
      box.classList.toggle("is-stable", !!r.stable);
      box.classList.toggle("is-unstable", !r.stable);
      state.className = "badge live-state " + (r.stable ? "badge-ok" : "badge-warn");
      state.querySelector(".badge-icon").textContent = r.stable ? "✔" : "∼";
      box.querySelector(".live-state-text").textContent = r.stable ? T.stable : T.unstable;
      box.querySelector(".live-time").textContent = vnTime(r.captured_at);
    });
    var conn = box.querySelector(".live-conn");
    source.addEventListener("open", function () { conn.textContent = T.live; });
    source.addEventListener("error", function () { conn.textContent = T.lost; });
  }
  if (window.EventSource) {
    document.querySelectorAll(".live[data-stream]").forEach(follow);
  }

  // ---- the receipt form: customers matching what is typed ----
  var filter = document.querySelector("[data-org-filter]");
  if (filter) {
    var select = document.getElementById(filter.dataset.orgFilter);
    var timer = null;
    filter.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = filter.value.trim();
        var url = "/api/v1/organisations?per_page=50" + (q ? "&q=" + encodeURIComponent(q) : "");
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (page) {
            if (!page || !select) { return; }
            var keep = select.value;
            var first = select.options[0];
            var chosen = select.selectedOptions[0];
            select.textContent = "";
            select.appendChild(first);
            if (chosen && chosen !== first && !page.items.some(function (o) { return o.organisation_id === keep; })) {
              select.appendChild(chosen);
            }
            page.items.forEach(function (o) {
              var opt = document.createElement("option");
              opt.value = o.organisation_id;
              opt.textContent = o.tax_code ? o.name + " (" + o.tax_code + ")" : o.name;
              select.appendChild(opt);
            });
            select.value = keep;
          });
      }, 250);
    });
  }
})();
