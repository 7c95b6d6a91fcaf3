/* Behaviour the templates ask for with data- attributes, so that no page needs an inline
   on...= handler (Content-Security-Policy, docs/security.md). Loaded by base.html. */
(function () {
  "use strict";
  /* <select data-autosubmit>: choosing an option submits its form (the language switch). */
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });
  /* <input type=checkbox data-check-all="SELECTOR">: ticks or clears every box SELECTOR finds. */
  document.addEventListener("click", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("input[type=checkbox][data-check-all]")) return;
    document.querySelectorAll(box.dataset.checkAll).forEach(function (other) { other.checked = box.checked; });
  });
  /* [data-htmx-src] (the header's unread count): a page that does not load htmx itself gets it here, so
     that the count and the lists poll on every console page (docs/notify.md). Deferred scripts run in
     order after parsing, so a page's own htmx <script> tag is already in the document to be found. */
  var wants = document.querySelector("[data-htmx-src]");
  if (wants && !window.htmx && !document.querySelector("script[src*='htmx']")) {
    var script = document.createElement("script");
    script.src = wants.getAttribute("data-htmx-src");
    /* htmx initialises on DOMContentLoaded; loaded after it, it is told to look at the page */
    script.addEventListener("load", function () { if (window.htmx) window.htmx.process(document.body); });
    document.head.appendChild(script);
  }
})();
