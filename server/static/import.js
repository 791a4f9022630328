// The dossier import page: sends the chosen CSV/XLSX file to the JSON API with the session's
// CSRF token, shows the upload's progress, then either how many dossiers were imported or
// every problem by row and column (nothing is imported then). Texts come from the page's
// data-* attributes; no inline script (Content-Security-Policy).
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) { return; }
  var T = form.dataset;
  var bar = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  var list = document.getElementById("import-problems");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = form.querySelector("input[type=file]").files[0];
    list.innerHTML = "";
    if (!file) { status.textContent = T.choose; return; }
    var ext = file.name.toLowerCase().split(".").pop();
    if (ext !== "csv" && ext !== "xlsx") { status.textContent = T.format; return; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/dossiers/import?format=" + ext + "&name=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("x-csrf-token", T.csrf);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
    };
    xhr.upload.onload = function () { bar.removeAttribute("value"); status.textContent = T.checking; };
    xhr.onload = function () {
      bar.max = 1; bar.value = 1;
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status === 201) {
        status.textContent = T.done.replace("{n}", body.imported);
        return;
      }
      var err = body.error || {};
      status.textContent = T.failed;
      (err.problems || [{ field: "", message: err.message || xhr.statusText }]).forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = (p.field ? p.field + ": " : "") + p.message;
        list.appendChild(li);
      });
    };
    xhr.onerror = function () { status.textContent = T.network; };
    status.textContent = T.sending;
    xhr.send(file);
  });
}());
