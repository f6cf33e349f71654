// The progress bar of a document upload (templates/documents/_upload_form.html), fed by
// htmx's upload events; served from this site, no third-party host.
(function () {
  function parts(event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form[data-upload]")) return null;
    var box = form.querySelector("[data-upload-progress]");
    return box ? { form: form, box: box, bar: box.firstElementChild } : null;
  }
  function show(p, percent) {
    p.box.classList.remove("d-none");
    p.box.setAttribute("aria-valuenow", String(percent));
    p.bar.style.width = percent + "%";
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var p = parts(event);
    if (!p) return;
    show(p, 0);
    var button = p.form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var p = parts(event);
    if (!p || !event.detail.lengthComputable || !event.detail.total) return;
    show(p, Math.round((event.detail.loaded / event.detail.total) * 100));
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var p = parts(event);
    if (!p) return;
    var button = p.form.querySelector("button[type=submit]");
    if (button) button.disabled = false;
  });
})();
