/* Logs page: while the workload runs, ask for the lines after those shown (?since=pod:time) and
   append them. A reader who scrolled up in a log stays where they are; back at the bottom, the
   log follows again. Each log keeps at most data-logs-max-lines lines (the oldest go first).
   Following stops when the server says the workload finished, or after data-logs-max-seconds. */
(function () {
  "use strict";

  var state = { region: null, timer: null, request: null, startedAt: 0 };
  var NEAR_BOTTOM = 8; // pixels: "at the bottom" despite rounding

  function atBottom(pre) {
    return pre.scrollTop + pre.clientHeight >= pre.scrollHeight - NEAR_BOTTOM;
  }
  // A log follows unless its reader scrolled up (data-pinned="false", set by the scroll handler).
  function pinned(pre) {
    return pre.dataset.pinned !== "false";
  }
  function showFollowState(region) {
    var paused = Array.prototype.some.call(region.querySelectorAll("pre[data-follow]"), function (pre) {
      return !pinned(pre);
    });
    region.querySelectorAll("[data-follow-on]").forEach(function (on) { on.hidden = paused; });
    region.querySelectorAll("[data-follow-off]").forEach(function (off) { off.hidden = !paused; });
  }
  function scrollPinned(region) {
    region.querySelectorAll("pre[data-follow]").forEach(function (pre) {
      if (pinned(pre)) pre.scrollTop = pre.scrollHeight;
    });
  }

  document.addEventListener("scroll", function (event) {
    var pre = event.target;
    if (!(pre instanceof Element) || !pre.matches("#logs pre[data-follow]")) return;
    pre.dataset.pinned = atBottom(pre) ? "true" : "false";
    showFollowState(pre.closest("#logs"));
  }, true);

  function appendLines(pre, freshPre, maxLines) {
    var lines = Array.prototype.filter.call(freshPre.children, function (line) { return !line.hasAttribute("data-placeholder"); });
    if (!lines.length) return;
    var placeholder = pre.querySelector("[data-placeholder]");
    if (placeholder) placeholder.remove();
    var follow = pinned(pre);
    lines.forEach(function (line) { pre.appendChild(document.importNode(line, true)); });
    var excess = pre.children.length - maxLines;
    if (excess > 0) {
      // The oldest lines go; a reader above keeps the same lines in view.
      var before = pre.scrollHeight;
      for (var i = 0; i < excess; i++) pre.firstElementChild.remove();
      if (!follow) pre.scrollTop = Math.max(0, pre.scrollTop - (before - pre.scrollHeight));
    }
    if (follow) pre.scrollTop = pre.scrollHeight;
  }

  function mergeSection(region, fresh, maxLines) {
    var current = Array.prototype.find.call(region.querySelectorAll("section[data-pod]"), function (section) {
      return section.dataset.pod === fresh.dataset.pod;
    });
    if (!current) {
      region.appendChild(document.importNode(fresh, true));
      return;
    }
    var pre = current.querySelector("pre[data-follow]"), freshPre = fresh.querySelector("pre[data-follow]");
    if (pre && freshPre) {
      appendLines(pre, freshPre, maxLines);
      current.dataset.last = fresh.dataset.last;
      var phase = current.querySelector(".log-title"), freshPhase = fresh.querySelector(".log-title");
      if (phase && freshPhase && !phase.isEqualNode(freshPhase)) phase.replaceWith(document.importNode(freshPhase, true));
    } else if (!current.contains(document.activeElement)) {
      current.replaceWith(document.importNode(fresh, true)); // a container that started (or stopped)
    }
  }

  function merge(region, update) {
    var maxLines = Number(region.dataset.logsMaxLines) || 5000;
    var stateNow = region.querySelector("[data-log-state]"), freshState = update.querySelector("[data-log-state]");
    if (stateNow && freshState && !stateNow.isEqualNode(freshState)) stateNow.replaceWith(document.importNode(freshState, true));
    var badge = document.querySelector("[data-log-status]"), freshBadge = update.querySelector("[data-log-status]");
    if (badge && freshBadge && !badge.isEqualNode(freshBadge)) badge.replaceWith(document.importNode(freshBadge, true));
    update.querySelectorAll("section[data-pod]").forEach(function (fresh) { mergeSection(region, fresh, maxLines); });
    if (update.dataset.following !== "true") {
      ["data-logs-url", "data-logs-every", "data-logs-max-seconds"].forEach(function (name) { region.removeAttribute(name); });
    }
    showFollowState(region);
  }

  function sinceQuery(region) {
    var query = new URLSearchParams();
    region.querySelectorAll("section[data-pod]").forEach(function (section) {
      if (section.dataset.last) query.append("since", section.dataset.pod + ":" + section.dataset.last);
    });
    // Nothing timed yet (no lines): an empty since still asks for the new-lines answer.
    if (!query.has("since")) query.append("since", "");
    return query.toString();
  }

  function schedule() {
    var region = state.region;
    clearTimeout(state.timer);
    if (!region || !region.isConnected || !region.hasAttribute("data-logs-url")) return;
    if (Date.now() - state.startedAt >= (Number(region.dataset.logsMaxSeconds) || 600) * 1000) {
      region.querySelector("[data-logs-paused]").hidden = false;
      return;
    }
    state.timer = setTimeout(poll, (Number(region.dataset.logsEvery) || 3) * 1000);
  }
  function poll() {
    var region = state.region;
    if (!region || !region.isConnected || !region.hasAttribute("data-logs-url")) return;
    var controller = new AbortController();
    state.request = controller;
    fetch(region.dataset.logsUrl + "&" + sinceQuery(region), { credentials: "same-origin", signal: controller.signal })
      .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
      .then(function (html) {
        if (controller !== state.request) return;
        state.request = null;
        var update = html && new DOMParser().parseFromString(html, "text/html").getElementById("log-update");
        if (update) merge(region, update);
        schedule();
      })
      .catch(function () {
        if (controller === state.request) { state.request = null; schedule(); }
      });
  }
  // A region the server rendered (the page, or another container/tail chosen): follow it anew.
  function start() {
    var region = document.getElementById("logs");
    if (region === state.region) return;
    clearTimeout(state.timer);
    if (state.request) state.request.abort();
    state.request = null;
    state.region = region;
    state.startedAt = Date.now();
    if (!region) return;
    scrollPinned(region);
    showFollowState(region);
    schedule();
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
  document.addEventListener("click", function (event) {
    var resume = event.target.closest && event.target.closest("[data-logs-resume]");
    if (!resume || !state.region) return;
    resume.closest("[data-logs-paused]").hidden = true;
    state.startedAt = Date.now();
    clearTimeout(state.timer);
    poll();
  });
})();
