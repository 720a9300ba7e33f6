/* Causeway: small enhancements. Every page works without this file; it only saves steps.
 * - Filter forms (form[data-autosubmit]) apply a choice at once. A choice made with the
 *   keyboard waits for Enter, so arrowing through a list does not reload the page.
 *   After the reload, focus returns to the control used and the result count is announced.
 * - Search boxes (form[data-suggest]) offer organizations and issues as you type: an ARIA
 *   combobox over a listbox, fed by the JSON endpoint named in data-suggest.
 * - Filters in a fold (details[data-fold]) are closed on small screens, so that the results
 *   come first; they stay open when they hold an error or the visitor just used one. */
(function () {
  "use strict";

  var FILTERED = "causeway:filtered";

  function remember(value) {
    try { sessionStorage.setItem(FILTERED, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  function recall() {
    try {
      var value = JSON.parse(sessionStorage.getItem(FILTERED) || "null");
      sessionStorage.removeItem(FILTERED);
      return value;
    } catch (e) { return null; }
  }

  /* Filters ------------------------------------------------------------------------------ */

  function enhanceFilters(form) {
    var hint = form.querySelector("[data-js-hint]");
    if (hint) hint.hidden = false;

    var used = null;

    function send(control) {
      used = control;
      if (form.requestSubmit) return form.requestSubmit();
      remember({ path: location.pathname, focus: control.name });  // submit() fires no event
      form.submit();
    }

    form.addEventListener("submit", function () {
      var active = used || document.activeElement;
      remember({ path: location.pathname, focus: active && form.contains(active) && active.name });
    });

    form.querySelectorAll("select").forEach(function (select) {
      var byKeys = false, pending = false;
      select.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && pending) {
          event.preventDefault();
          send(select);
        } else if (event.key !== "Tab" && event.key !== "Shift") {
          byKeys = true;
        }
      });
      select.addEventListener("pointerdown", function () { byKeys = false; });
      select.addEventListener("change", function () {
        if (byKeys) pending = true; else send(select);
      });
    });
  }

  function afterFiltering() {
    var last = recall();
    var status = document.querySelector("[data-results-status]");
    if (!last || last.path !== location.pathname || !status) return;
    var name = last.focus && CSS.escape(last.focus);
    var control = name && document.querySelector("form[data-autosubmit] [name='" + name + "']");
    var heading = status.querySelector("h2");
    if (!heading) return;
    if (control) {
      var fold = control.closest("details");
      if (fold) fold.open = true;
      // Back on the control just used, ready for the next choice; a live region speaks
      // only when it changes, so the count is taken out and put back.
      control.focus();
      var words = document.createDocumentFragment();
      heading.style.minHeight = heading.offsetHeight + "px";  // nothing below it moves
      while (heading.firstChild) words.appendChild(heading.firstChild);
      setTimeout(function () { heading.appendChild(words); heading.style.minHeight = ""; }, 500);
    } else {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  /* Filters folded away on small screens ------------------------------------------------ */

  var SMALL = "(max-width: 55.99rem)";  // below the width at which filters sit beside results

  function foldFilters(details) {
    if (!window.matchMedia) return;
    var small = window.matchMedia(SMALL);
    if (small.matches && !details.querySelector(".field--error, [role=alert]")) {
      details.open = false;
    }
    // Wider again (a phone turned sideways): the summary is hidden there, so open the fold.
    var follow = function (event) { if (!event.matches) details.open = true; };
    if (small.addEventListener) small.addEventListener("change", follow);
  }

  /* Search suggestions ------------------------------------------------------------------- */

  function enhanceSearch(form, n) {
    var input = form.querySelector("input[type=search]");
    var endpoint = form.getAttribute("data-suggest");
    if (!input || !endpoint || !window.fetch) return;
    var listId = (input.id || "search-" + n) + "-suggestions";
    var list = document.createElement("ul");
    var live = document.createElement("span");
    var items = [], active = -1, timer = 0, asked = "", cache = {}, controller = null;

    list.id = listId;
    list.className = "suggestions";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("data-suggest-label") || "Suggestions");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    input.parentNode.classList.add("has-suggestions");
    input.parentNode.appendChild(list);
    form.appendChild(live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!items.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function move(to) {
      if (!items.length) return;
      open();
      var options = list.children;
      if (active >= 0) options[active].setAttribute("aria-selected", "false");
      active = (to + items.length) % items.length;
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function show(suggestions) {
      items = suggestions;
      list.textContent = "";
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        var kind = document.createElement("span");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        kind.className = "suggestions__kind";
        kind.textContent = " · " + (item.kind_label || item.kind);
        option.appendChild(kind);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { location.assign(item.url); });
        list.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var template = form.getAttribute("data-suggest-count") || "Suggestions: {n}";
      live.textContent = items.length ? template.replace("{n}", items.length) : "";
      if (items.length) open(); else close();
    }

    function ask(query) {
      if (cache[query]) { show(cache[query]); return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(endpoint + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller && controller.signal
      })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          cache[query] = data.suggestions || [];
          if (query === asked) show(cache[query]);
        })
        .catch(function () { /* aborted or offline: the form still submits */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      asked = input.value.trim();
      if (asked.length < 2) { show([]); return; }
      timer = setTimeout(function () { ask(asked); }, 200);
    });

    input.addEventListener("keydown", function (event) {
      var isOpen = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        move(isOpen ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        move(isOpen ? active - 1 : items.length - 1);
      } else if (event.key === "Escape" && isOpen) {
        event.preventDefault();
        close();
      } else if (event.key === "Enter" && isOpen && active >= 0) {
        event.preventDefault();
        location.assign(items[active].url);
      } else if (event.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("details[data-fold]").forEach(foldFilters);
  document.querySelectorAll("form[data-autosubmit]").forEach(enhanceFilters);
  document.querySelectorAll("form[data-suggest]").forEach(enhanceSearch);
  afterFiltering();
})();
