/* Workloads pages: actions menus (keyboard), the delete dialog, bulk selection, live table updates.
   Plain script, no build step; works with htmx swaps through event delegation. */
(function () {
  "use strict";

  function menuItems(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll('[role="menuitem"]:not([aria-disabled="true"])'));
  }

  function closeMenu(details, focusSummary) {
    if (!details || !details.open) return;
    details.open = false;
    if (focusSummary) details.querySelector("summary").focus();
  }

  // Opening a menu closes the others and moves focus to the first item when opened by keyboard.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.hasAttribute("data-menu")) return;
    if (details.open) {
      document.querySelectorAll("details[data-menu][open]").forEach(function (other) {
        if (other !== details) other.open = false;
      });
      // Opened by keyboard and focus not moved yet (the toggle event comes after the keypress).
      if (details.dataset.keyboard === "1" && document.activeElement === details.querySelector("summary")) {
        var items = menuItems(details);
        if (items.length) items[0].focus();
      }
      details.dataset.keyboard = "";
    }
  }, true);

  document.addEventListener("keydown", function (event) {
    var summary = event.target.closest && event.target.closest("details[data-menu] > summary");
    if (summary && (event.key === "Enter" || event.key === " " || event.key === "ArrowDown")) {
      summary.parentElement.dataset.keyboard = "1";
      if (event.key === "ArrowDown") { event.preventDefault(); summary.parentElement.open = true; }
      return;
    }
    var details = event.target.closest && event.target.closest("details[data-menu][open]");
    if (!details) return;
    var items = menuItems(details);
    var index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      closeMenu(details, true);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      items[(index + 1) % items.length].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      items[(index - 1 + items.length) % items.length].focus();
    } else if (event.key === "Home") {
      event.preventDefault(); items[0].focus();
    } else if (event.key === "End") {
      event.preventDefault(); items[items.length - 1].focus();
    } else if (event.key === "Tab") {
      closeMenu(details, false);
    }
  });

  // A click outside an open menu closes it.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (details) {
      if (!details.contains(event.target)) details.open = false;
    });
  });

  // Delete: one dialog on the page, filled with the chosen workload's name and URL.
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest && event.target.closest("[data-delete-url]");
    if (trigger) {
      var dialog = document.getElementById("delete-dialog");
      if (!dialog) return;
      var form = dialog.querySelector("form");
      form.action = trigger.dataset.deleteUrl;
      dialog.querySelectorAll("[data-name]").forEach(function (el) { el.textContent = trigger.dataset.deleteName; });
      var next = form.querySelector('input[name="next"]');
      if (next && next.hasAttribute("data-keep-location")) {
        var search = new URLSearchParams(location.search);
        search.delete("refresh_since");
        var query = search.toString();
        next.value = location.pathname + (query ? "?" + query : "");
      }
      dialog.returnFocusTo = trigger.closest("details[data-menu]") ? trigger.closest("details[data-menu]").querySelector("summary") : trigger;
      var menu = trigger.closest("details[data-menu]");
      if (menu) menu.open = false;
      dialog.showModal();
      return;
    }
    var close = event.target.closest && event.target.closest("dialog [data-close]");
    if (close) close.closest("dialog").close();
  });
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog instanceof HTMLDialogElement && dialog.returnFocusTo && document.contains(dialog.returnFocusTo)) {
      dialog.returnFocusTo.focus();
    }
  }, true);

  // Bulk selection: the header checkbox selects every row of the page.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-select-all]")) {
      var table = event.target.closest("table");
      table.querySelectorAll('tbody input[type="checkbox"][name="id"]').forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
  });

  // Live updates: while a refresh or a queued create/delete is under way the region carries
  // data-live-url; its fragment is fetched every data-live-every seconds and merged into the
  // rows shown, so focus, a text selection, scroll and open menus stay where the person left them.
  var live = { region: null, timer: null, request: null, startedAt: 0 };

  function selectionTouches(node) {
    var selection = window.getSelection();
    return Boolean(selection && selection.rangeCount && !selection.isCollapsed && selection.containsNode(node, true));
  }
  // A node the person is using: it holds the focus, an open menu or part of the selection.
  function inUse(node) {
    var active = document.activeElement;
    return (active && active !== document.body && node.contains(active)) ||
      Boolean(node.querySelector("details[open]")) || selectionTouches(node);
  }
  // The child indexes from `root` down to `node`.
  function pathTo(root, node) {
    var path = [];
    for (; node && node !== root; node = node.parentElement) {
      path.unshift(Array.prototype.indexOf.call(node.parentElement.children, node));
    }
    return path;
  }
  function follow(root, path) {
    return path.reduce(function (node, index) { return node && node.children[index]; }, root);
  }
  // Swap `current` for `fresh` unless the person is using it. Focus alone does not hold it when
  // the fresh copy has the same element in the same place: that one gets the focus.
  function replaceUnlessInUse(current, fresh) {
    if (current.isEqualNode(fresh)) return true;
    var active = document.activeElement;
    var focused = active && active !== document.body && current.contains(active);
    if (current.querySelector("details[open]") || selectionTouches(current)) return false;
    var copy = document.importNode(fresh, true);
    var refocus = focused ? follow(copy, pathTo(current, active)) : null;
    if (focused && (!refocus || refocus.tagName !== active.tagName)) return false;
    current.replaceWith(copy);
    if (refocus) refocus.focus({ preventScroll: true });
    return true;
  }

  function copyRowAttributes(row, fresh) {
    Array.prototype.forEach.call(fresh.attributes, function (attribute) {
      if (attribute.name !== "data-version") row.setAttribute(attribute.name, attribute.value);
    });
  }
  // A changed row gets its changed cells; a cell in use waits (the row keeps its old version,
  // so the next poll tries again).
  function updateRow(row, fresh) {
    if (row.dataset.version === fresh.dataset.version) {
      var ages = fresh.querySelectorAll("[data-live-ago]");
      row.querySelectorAll("[data-live-ago]").forEach(function (age, index) {
        if (ages[index]) replaceUnlessInUse(age, ages[index]);
      });
      return;
    }
    var cells = row.cells, freshCells = fresh.cells, complete = true;
    if (cells.length !== freshCells.length) { // other columns: the whole row, once not in use
      if (!inUse(row)) row.replaceWith(document.importNode(fresh, true));
      return;
    }
    for (var index = 0; index < cells.length; index++) {
      if (!replaceUnlessInUse(cells[index], freshCells[index])) complete = false;
    }
    copyRowAttributes(row, fresh);
    if (complete) row.dataset.version = fresh.dataset.version;
  }

  function rowsById(rows) {
    var byId = {};
    rows.forEach(function (row) { if (row.id) byId[row.id] = row; });
    return byId;
  }
  function bodyRows(tbody) {
    return tbody ? Array.prototype.slice.call(tbody.rows) : [];
  }

  // Rows still on the page are updated in place, rows that left it stay with their new status
  // when the server kept them (a Deleted row under the default filter) and go otherwise, new
  // rows are inserted where the page has them. Rows never move: the reader's place holds.
  function mergeRows(tbody, freshBody, keptRows) {
    var fresh = bodyRows(freshBody), freshById = rowsById(fresh), keptById = rowsById(keptRows);
    bodyRows(tbody).forEach(function (row) {
      var update = row.id ? freshById[row.id] || keptById[row.id] : null;
      if (update) updateRow(row, update);
      else if (!row.id && fresh.length && fresh[0].id) row.remove(); // "No workloads match"
      else if (row.id && !inUse(row)) row.remove();
    });
    var previous = null;
    fresh.forEach(function (row) {
      var existing = row.id ? document.getElementById(row.id) : (tbody.rows.length ? tbody.rows[0] : null);
      if (existing && existing.parentNode === tbody) { previous = existing; return; }
      var added = document.importNode(row, true);
      if (previous) previous.after(added); else tbody.prepend(added);
      previous = added;
    });
  }

  function merge(region, fragment) {
    var tbody = region.querySelector("table#workloads > tbody");
    var freshBody = fragment.querySelector("table#workloads > tbody");
    var kept = fragment.querySelector("template[data-live-kept]");
    var keptRows = kept ? Array.prototype.slice.call(kept.content.querySelectorAll("tr")) : [];
    if (tbody && freshBody) mergeRows(tbody, freshBody, keptRows);
    region.querySelectorAll("[data-live-part]").forEach(function (part) {
      var fresh = fragment.querySelector('[data-live-part="' + part.dataset.livePart + '"]');
      if (fresh) replaceUnlessInUse(part, fresh);
    });
    ["data-live-url", "data-live-every", "data-live-max-seconds"].forEach(function (name) {
      if (fragment.hasAttribute(name)) region.setAttribute(name, fragment.getAttribute(name));
      else region.removeAttribute(name);
    });
  }

  function shownRowIds(region) {
    return Array.prototype.map.call(region.querySelectorAll("table#workloads > tbody > tr[id^=workload-]"), function (row) {
      return row.id.slice("workload-".length);
    }).join(",");
  }

  function stopLive() {
    clearTimeout(live.timer);
    live.timer = null;
    if (live.request) live.request.abort();
    live.request = null;
  }
  function schedule() {
    var region = live.region;
    clearTimeout(live.timer);
    if (!region || !region.isConnected || !region.hasAttribute("data-live-url")) return;
    var maxSeconds = Number(region.dataset.liveMaxSeconds) || 600;
    if (Date.now() - live.startedAt >= maxSeconds * 1000) {
      var paused = region.querySelector("[data-live-paused]");
      if (paused) paused.hidden = false;
      return;
    }
    live.timer = setTimeout(poll, (Number(region.dataset.liveEvery) || 5) * 1000);
  }
  function poll() {
    var region = live.region;
    if (!region || !region.isConnected) return;
    var controller = new AbortController();
    live.request = controller;
    fetch(region.dataset.liveUrl, {
      headers: { "HX-Request": "true", "X-Shown-Rows": shownRowIds(region) },
      credentials: "same-origin",
      signal: controller.signal,
    }).then(function (response) {
      // Signed out (the login page) or an error: keep what is shown, try again later.
      if (!response.ok || response.redirected) return null;
      return response.text();
    }).then(function (html) {
      if (controller !== live.request) return; // the person navigated meanwhile
      live.request = null;
      if (html) {
        var fragment = new DOMParser().parseFromString(html, "text/html").getElementById("workloads-table");
        if (fragment) merge(region, fragment);
      }
      schedule();
    }).catch(function () {
      if (controller === live.request) { live.request = null; schedule(); }
    });
  }
  // A region the server rendered (page load, a person's filter/sort/page swap): start anew.
  function startLive() {
    var region = document.getElementById("workloads-table");
    if (region === live.region) return;
    stopLive();
    live.region = region;
    live.startedAt = Date.now();
    schedule();
  }
  document.addEventListener("DOMContentLoaded", startLive);
  document.addEventListener("htmx:afterSettle", startLive);
  document.addEventListener("click", function (event) {
    var resume = event.target.closest && event.target.closest("[data-live-resume]");
    if (!resume || !live.region) return;
    resume.closest("[data-live-paused]").hidden = true;
    live.startedAt = Date.now();
    stopLive();
    poll();
  });
})();

/* Filter dropdowns and the page-size choice: the closed dropdown says what is chosen ("Failed,
   Running", "4 chosen"); Select all / Clear; Escape or a click outside closes it; a page size
   applies at once through the filters' own htmx request. */
(function () {
  "use strict";
  function checkedValues(dropdown) {
    return Array.prototype.map.call(dropdown.querySelectorAll("input[type=checkbox]:checked"),
      function (box) { return box.value; });
  }
  // The default choice ticked (data-default) means the same as nothing ticked.
  function isDefault(dropdown) {
    return dropdown.dataset.default !== undefined &&
      checkedValues(dropdown).sort().join(" ") === dropdown.dataset.default.split(" ").sort().join(" ");
  }
  function summarise(dropdown) {
    var chosen = Array.prototype.map.call(
      dropdown.querySelectorAll("input[type=checkbox]:checked"),
      function (box) { return box.parentElement.textContent.trim(); }
    );
    var text = chosen.length === 0 || isDefault(dropdown) ? dropdown.dataset.nothingChosen
      : chosen.length <= 2 ? chosen.join(", ") : chosen.length + " chosen";
    dropdown.querySelector("summary span").textContent = text;
  }
  document.addEventListener("change", function (event) {
    var dropdown = event.target.closest && event.target.closest("details.choice-filter");
    if (dropdown) summarise(dropdown);
    // #per_page is in the table fragment but belongs to the filters form (form="filters"): its
    // change does not bubble to that form, so it asks the form to send itself.
    if (event.target.matches && event.target.matches("select[name=per_page]") && event.target.form) {
      event.target.form.requestSubmit();
    }
  });
  // Select all / Clear: set every box, then one change event (one request, not one per box).
  document.addEventListener("click", function (event) {
    var control = event.target.closest && event.target.closest("details.choice-filter [data-check]");
    if (!control) return;
    var boxes = control.closest("details").querySelectorAll("input[type=checkbox]");
    boxes.forEach(function (box) { box.checked = control.dataset.check === "all"; });
    if (boxes.length) boxes[boxes.length - 1].dispatchEvent(new Event("change", { bubbles: true }));
  });
  // The default statuses ticked mean the same as no status at all: keep the URL short and shareable.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || form.id !== "filters") return;
    form.querySelectorAll("details.choice-filter[data-default]").forEach(function (dropdown) {
      var box = dropdown.querySelector("input[type=checkbox]");
      if (box && isDefault(dropdown)) delete event.detail.parameters[box.name];
    });
  });

  // Every dropdown of the page (<details class="dropdown">, the actions menus included): Escape
  // closes the one focus is in and gives focus back to its button; a click outside closes it.
  var DROPDOWNS = "details.dropdown[open], details[data-menu][open]";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) return;
    var details = event.target.closest(DROPDOWNS);
    if (!details || details.hasAttribute("data-menu")) return; // menus handle their own keys above
    event.preventDefault();
    details.open = false;
    details.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll(DROPDOWNS).forEach(function (details) {
      if (!details.contains(event.target)) details.open = false;
    });
  });
})();
