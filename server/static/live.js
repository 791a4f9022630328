// Live reading of one device (the page /devices/{id}): listens to the server's event stream
// and shows each reading as it arrives, with whether it is stable, and adds it on top of the
// table of latest readings. Texts come from the page (data-* attributes), so the script has
// no language of its own. No inline script: the pages' Content-Security-Policy forbids it.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box || !window.EventSource) { return; }
  var value = box.querySelector(".live-value");
  var unit = box.querySelector(".live-unit");
  var state = box.querySelector(".live-state");
  var stateIcon = state.querySelector(".badge-icon");
  var stateText = box.querySelector(".live-state-text");
  var time = box.querySelector(".live-time");
  var conn = box.querySelector(".live-conn");
  var table = document.querySelector("#readings tbody");
  var empty = document.getElementById("no-readings");
  var lang = box.dataset.lang;
  var MAX_ROWS = 20;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Vietnam's time (UTC+7 all year), written like the server writes it.
  function vnTime(iso) {
    var d = new Date(Date.parse(iso) + 7 * 3600 * 1000);
    if (isNaN(d.getTime())) { return ""; }
    var day = pad(d.getUTCDate()), month = pad(d.getUTCMonth() + 1), year = d.getUTCFullYear();
    var clock = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    return (lang === "vi" ? day + "/" + month + "/" + year : year + "-" + month + "-" + day) + " " + clock;
  }

  function badge(stable) {
    var span = document.createElement("span");
    span.className = "badge " + (stable ? "badge-ok" : "badge-warn");
    var icon = document.createElement("span");
    icon.className = "badge-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = stable ? "✔" : "∼";
    span.appendChild(icon);
    span.appendChild(document.createTextNode(" " + (stable ? box.dataset.stable : box.dataset.unstable)));
    return span;
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    if (typeof text === "string") { td.textContent = text; } else { td.appendChild(text); }
    row.appendChild(td);
  }

  function show(r) {
    value.textContent = r.value;
    unit.textContent = r.unit;
    box.classList.toggle("is-stable", !!r.stable);
    box.classList.toggle("is-unstable", !r.stable);
    state.className = "badge live-state " + (r.stable ? "badge-ok" : "badge-warn");
    stateIcon.textContent = r.stable ? "✔" : "∼";
    stateText.textContent = r.stable ? box.dataset.stable : box.dataset.unstable;
    time.textContent = vnTime(r.captured_at);
    if (table && !table.querySelector('tr[data-id="' + r.reading_id + '"]')) {
      var row = document.createElement("tr");
      row.dataset.id = r.reading_id;
      cell(row, vnTime(r.captured_at), "nowrap");
      cell(row, r.channel || "");
      cell(row, r.value, "num");
      cell(row, r.unit);
      cell(row, badge(!!r.stable));
      table.insertBefore(row, table.firstChild);
      while (table.rows.length > MAX_ROWS) { table.deleteRow(table.rows.length - 1); }
      if (empty) { empty.hidden = true; }
    }
  }

  var source = new EventSource(box.dataset.stream);
  source.addEventListener("reading", function (ev) {
    try { show(JSON.parse(ev.data)); } catch (e) { /* a malformed event is skipped */ }
  });
  source.addEventListener("open", function () { conn.textContent = box.dataset.live; });
  // EventSource reconnects by itself; say so meanwhile.
  source.addEventListener("error", function () { conn.textContent = box.dataset.lost; });
})();
