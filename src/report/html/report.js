// Filters by kind (the buttons), a text search, expand/collapse, copy
// buttons. Reads the page only; the state lives in the URL's fragment
// (#show=failed,passed&q=text) so a filtered view can be shared.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".item"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button.filter"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.group"));
  var search = document.getElementById("q");
  var shown = document.getElementById("shown");
  var none = document.getElementById("none");
  var texts = null;

  function pressed() {
    return buttons.filter(function (b) { return b.getAttribute("aria-pressed") === "true"; })
      .map(function (b) { return b.getAttribute("data-kind"); });
  }

  function apply(keepHash) {
    var kinds = pressed();
    var wanted = {};
    kinds.forEach(function (k) { wanted[k] = true; });
    var query = search.value.trim().toLowerCase();
    if (query && texts === null) {
      texts = items.map(function (item) { return item.textContent.toLowerCase(); });
    }
    var count = 0;
    items.forEach(function (item, i) {
      var show = wanted[item.getAttribute("data-kind")] === true && (!query || texts[i].indexOf(query) >= 0);
      item.hidden = !show;
      if (show) { count += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector(".item:not([hidden])") === null;
    });
    shown.textContent = count + " of " + items.length + " shown";
    none.hidden = count > 0;
    if (!keepHash) {
      var parts = [];
      if (kinds.length !== buttons.length) { parts.push("show=" + kinds.join(",")); }
      if (query) { parts.push("q=" + encodeURIComponent(query)); }
      var url = parts.length ? "#" + parts.join("&") : location.pathname + location.search;
      try { history.replaceState(null, "", url); } catch (e) { /* some file:// viewers refuse */ }
    }
  }

  function fromHash() {
    var params = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at > 0) { params[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1)); }
    });
    if (typeof params.show === "string") {
      var wanted = {};
      params.show.split(",").forEach(function (k) { wanted[k] = true; });
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", String(wanted[b.getAttribute("data-kind")] === true));
      });
    }
    search.value = params.q || "";
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      b.setAttribute("aria-pressed", String(b.getAttribute("aria-pressed") !== "true"));
      apply(false);
    });
  });
  search.addEventListener("input", function () { apply(false); });
  window.addEventListener("hashchange", function () { fromHash(); apply(true); });
  document.getElementById("expand").addEventListener("click", function () {
    items.forEach(function (item) { if (!item.hidden) { item.open = true; } });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    items.forEach(function (item) { item.open = false; });
  });
  document.addEventListener("click", function (event) {
    var button = event.target;
    if (!button.classList || !button.classList.contains("copy")) { return; }
    var pre = button.parentNode.querySelector("pre");
    var done = function () { button.textContent = "copied"; setTimeout(function () { button.textContent = "copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(pre.textContent).then(done, function () { select(pre); });
    } else {
      select(pre);
      try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected: copy by hand */ }
    }
  });

  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  fromHash();
  apply(true);
  document.documentElement.setAttribute("data-ready", "true");
})();
