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
})();
