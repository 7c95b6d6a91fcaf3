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
  /* 标准话术 (canned replies, console/_replies.html): <button data-reply-insert="SELECT-ID"> inserts the chosen
     option's data-text (placeholders already filled by the server) at the cursor of the textarea named by
     the select's data-reply-target; Alt+R in that textarea moves to its picker, Enter in the picker inserts. */
  function replyInsert(select) {
    var option = select.options[select.selectedIndex], area = document.getElementById(select.dataset.replyTarget);
    if (!option || !option.value || !area) return;
    var text = option.dataset.text, start = area.selectionStart, end = area.selectionEnd;
    if (typeof start !== "number") { start = end = area.value.length; }
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.focus();
    area.selectionStart = area.selectionEnd = start + text.length;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-reply-insert]");
    if (!button) return;
    var select = document.getElementById(button.dataset.replyInsert);
    if (select) replyInsert(select);
  });
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    if (!el.matches) return;
    if (el.matches("select[data-reply-target]") && e.key === "Enter") {
      e.preventDefault();
      replyInsert(el);
    } else if (el.matches("textarea") && e.altKey && (e.key === "r" || e.key === "R")) {
      var picker = document.querySelector("select[data-reply-target='" + el.id + "']");
      if (picker) { e.preventDefault(); picker.focus(); }
    }
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
