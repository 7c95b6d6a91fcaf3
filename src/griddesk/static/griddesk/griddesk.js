/* Behaviour the templates ask for with data- attributes, so that no page needs an inline
   on...= handler (Content-Security-Policy, docs/security.md). Loaded by base.html. */
(function () {
  "use strict";
  /* <select data-autosubmit>: choosing an option submits its form (the language switch). */
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });
  /* <button data-print>: prints the page (the monthly report). */
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) window.print();
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

  /* ---------------------------------------------------------------- the one keyboard map (console.keymap)
     #keymap-data (console/_keymap.html) lists every shortcut; "?" opens #keymap-help listing them. */
  function readJson(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : null; } catch (err) { return null; }
  }
  function typing(el) {
    var tag = (el && el.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || (el && el.isContentEditable);
  }
  function comboOf(e) {
    var key = (e.key || "").toLowerCase();
    if (e.ctrlKey || e.metaKey) return "";
    if (e.altKey) {  /* the letter of the key, whatever the layout makes of Alt+letter */
      if (/^Key[A-Z]$/.test(e.code || "")) key = e.code.slice(3).toLowerCase();
      return "alt+" + key;
    }
    return key;
  }
  function helpBox() { return document.getElementById("keymap-help"); }
  function openHelp() {
    var box = helpBox(); if (!box) return;
    box.hidden = false;
    var close = box.querySelector("[data-keymap-close]"); if (close) close.focus();
  }
  function closeHelp() { var box = helpBox(); if (box && !box.hidden) { box.hidden = true; return true; } return false; }
  document.addEventListener("keydown", function (e) {
    var bindings = readJson("keymap-data");
    if (!bindings || e.defaultPrevented) return;
    var combo = comboOf(e);
    if (!combo) return;
    if (typing(e.target) && combo.indexOf("alt+") !== 0 && combo !== "escape") return;
    for (var i = 0; i < bindings.length; i++) {
      var b = bindings[i];
      if (b.combo !== combo) continue;
      if (b.action === "go") { e.preventDefault(); window.location.assign(b.target); }
      else if (b.action === "focus") {
        var el = document.querySelector(b.target);
        if (el) { e.preventDefault(); el.focus(); if (el.select) el.select(); }
      } else if (b.action === "help") { e.preventDefault(); openHelp(); }
      else if (b.action === "close") { if (closeHelp()) e.preventDefault(); hideDrop(); }
      else if (b.action === "hotkey") {
        var link = document.querySelector('[data-hotkey="' + b.target + '"]');
        if (link) { e.preventDefault(); window.location.assign(link.href); }
      }
      return;
    }
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) return;
    if (t.closest("[data-keymap-open]")) { openHelp(); return; }
    if (t.closest("[data-keymap-close]") || t.id === "keymap-help") closeHelp();
  });

  /* ---------------------------------------------------------------- header search (console.search)
     As you type: the first hits drop down; ↓/↑ move, Enter opens the chosen order (or the results
     page), Esc closes. Later answers win over earlier ones (a sequence number). */
  var searchSeq = 0, searchTimer = null;
  function drop() { return document.getElementById("global-results"); }
  function hideDrop() {
    var d = drop(), q = document.getElementById("global-q");
    if (d) d.hidden = true;
    if (q) q.setAttribute("aria-expanded", "false");
  }
  function searchHits() { var d = drop(); return d ? Array.prototype.slice.call(d.querySelectorAll(".search-hit")) : []; }
  function moveHit(step) {
    var hits = searchHits(); if (!hits.length) return;
    var i = hits.findIndex(function (h) { return h.classList.contains("active"); });
    hits.forEach(function (h) { h.classList.remove("active"); h.setAttribute("aria-selected", "false"); });
    i = i < 0 ? (step > 0 ? 0 : hits.length - 1) : Math.max(0, Math.min(hits.length - 1, i + step));
    hits[i].classList.add("active"); hits[i].setAttribute("aria-selected", "true");
    hits[i].scrollIntoView({block: "nearest"});
  }
  function quickSearch(input) {
    var form = input.form, d = drop(), seq = ++searchSeq, value = input.value.trim();
    if (!value) { hideDrop(); return; }
    fetch(form.dataset.quick + "?q=" + encodeURIComponent(value), {credentials: "same-origin"})
      .then(function (r) { return r.ok && !r.redirected ? r.text() : ""; })  /* a lapsed session: nothing */
      .then(function (html) {
        if (seq !== searchSeq || !d) return;
        d.innerHTML = html; d.hidden = !html.trim();
        input.setAttribute("aria-expanded", d.hidden ? "false" : "true");
      });
  }
  document.addEventListener("input", function (e) {
    if (e.target.id !== "global-q") return;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { quickSearch(e.target); }, 200);
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.id !== "global-q") return;
    if (e.key === "ArrowDown") { e.preventDefault(); moveHit(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); moveHit(-1); }
    else if (e.key === "Escape") { hideDrop(); }
    else if (e.key === "Enter") {
      var active = drop() && drop().querySelector(".search-hit.active");
      if (active) { e.preventDefault(); window.location.assign(active.href); }
    }
  });
  document.addEventListener("focusout", function (e) {
    if (e.target.id === "global-q") setTimeout(function () {
      var form = document.getElementById("global-search");
      if (form && !form.contains(document.activeElement)) hideDrop();
    }, 150);
  });

  /* ---------------------------------------------------------------- live lists ([data-keep-state])
     A queue's table and the desk's counts poll themselves (hx-trigger="every Ns"). A poll keeps what
     the user was doing: ticked boxes, typed values, the focused control, the scroll position; a poll
     while the user types in the list is skipped. */
  var kept = {};
  function liveOwn(detail) {
    var elt = detail.elt;
    return elt && elt.hasAttribute && elt.hasAttribute("data-keep-state") && elt.id ? elt : null;
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    var live = liveOwn(e.detail), active = document.activeElement;
    if (live && active && live.contains(active) && typing(active) && active.type !== "checkbox") e.preventDefault();
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var live = liveOwn(e.detail);
    if (!live || e.detail.target !== live) return;
    var state = {checked: [], values: {}, focus: null, scroll: window.scrollY};
    live.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name) return;
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked) state.checked.push(el.name + "=" + el.value); }
      else if (el.type !== "hidden") state.values[el.name] = el.value;
    });
    var active = document.activeElement;
    if (active && live.contains(active)) state.focus = active.id ? "#" + active.id : (active.name ? active.name + "=" + active.value : null);
    kept[live.id] = state;
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    Object.keys(kept).forEach(function (id) {
      var live = document.getElementById(id), state = kept[id];
      delete kept[id];
      if (!live) return;
      live.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (!el.name) return;
        if (el.type === "checkbox" || el.type === "radio") el.checked = state.checked.indexOf(el.name + "=" + el.value) >= 0;
        else if (el.type !== "hidden" && state.values.hasOwnProperty(el.name)) el.value = state.values[el.name];
      });
      if (state.focus) {
        var target = state.focus.charAt(0) === "#" ? live.querySelector(state.focus) : Array.prototype.find.call(
          live.querySelectorAll("[name]"), function (el) { return el.name + "=" + el.value === state.focus; });
        if (target) target.focus({preventScroll: true});
      }
      window.scrollTo(window.scrollX, state.scroll);
    });
    enhancePickers(document);
  });

  /* ---------------------------------------------------------------- searchable pickers (<select data-picker>)
     A filter box above the list: type part of a unit's path or a person's name, ↓ into the list,
     Enter takes the first match. The <select> stays the form's field (no JavaScript, no filter). */
  function pickerText() { var t = readJson("picker-text"); return t && t.filter || ""; }
  function filterPicker(select, term) {
    var words = term.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value) { o.hidden = words.length > 0; return; }
      var text = o.text.toLowerCase();
      o.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      if (!o.hidden) shown++;
    });
    if (words.length) select.size = Math.max(2, Math.min(8, shown)); else select.removeAttribute("size");
    return shown;
  }
  function firstShown(select) { return Array.prototype.find.call(select.options, function (o) { return o.value && !o.hidden; }); }
  function enhancePickers(root) {
    (root || document).querySelectorAll("select[data-picker]:not([data-picker-ready])").forEach(function (select) {
      select.setAttribute("data-picker-ready", "1");
      var box = document.createElement("input");
      box.type = "search"; box.className = "picker-filter"; box.placeholder = pickerText();
      box.setAttribute("aria-label", pickerText());
      box.setAttribute("autocomplete", "off");
      if (select.id) box.id = select.id + "-filter";
      select.parentNode.insertBefore(box, select);
      box.addEventListener("input", function () { filterPicker(select, box.value); });
      box.addEventListener("keydown", function (e) {
        if (e.key === "ArrowDown") {
          e.preventDefault();
          var first = firstShown(select); if (first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) select.value = first.value;
          select.focus();
        } else if (e.key === "Enter") {
          e.preventDefault();
          var pick = firstShown(select);
          if (pick) { select.value = pick.value; select.dispatchEvent(new Event("change", {bubbles: true})); }
          box.value = ""; filterPicker(select, ""); select.focus();
        }
      });
      select.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && select.hasAttribute("size")) {
          e.preventDefault(); box.value = ""; filterPicker(select, "");
          select.dispatchEvent(new Event("change", {bubbles: true}));
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { enhancePickers(document); });
  else enhancePickers(document);
})();
