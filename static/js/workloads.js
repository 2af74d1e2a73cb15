/* Workloads pages: actions menus (keyboard), the delete dialog, bulk selection, log follow.
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

  // A table that follows queued work (data-hold-while-in-use) skips a poll while the person has
  // a menu open, rows ticked or a dialog open, so nothing is swapped from under them. Here, not
  // in an hx-trigger filter: htmx evaluates those with eval, which the CSP forbids.
  function inUse(region) {
    return region.querySelector("details[open], input[type=checkbox]:checked") || document.querySelector("dialog[open]");
  }
  function holds(region) {
    return region instanceof Element && region.hasAttribute("data-hold-while-in-use");
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (holds(event.detail.elt) && inUse(event.detail.elt)) event.preventDefault();
  });
  // A poll that left before the person opened a menu must not land on it either.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (holds(event.detail.elt) && inUse(event.detail.elt)) event.detail.shouldSwap = false;
  });

  // Logs: keep following the end of each log after a swap, unless the reader scrolled up.
  var pinned = true;
  document.addEventListener("scroll", function (event) {
    var pre = event.target;
    if (pre && pre.matches && pre.matches("pre[data-follow]")) {
      pinned = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
    }
  }, true);
  function scrollLogs() {
    if (!pinned) return;
    document.querySelectorAll("pre[data-follow]").forEach(function (pre) { pre.scrollTop = pre.scrollHeight; });
  }
  document.addEventListener("DOMContentLoaded", scrollLogs);
  document.addEventListener("htmx:afterSettle", scrollLogs);
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
