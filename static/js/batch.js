/* Batch signing (ký số hàng loạt): "select all" on the drafts page, and the
   progress page's live rows, polled every second from .../trang-thai.json.
   Without JavaScript the pages still work: the progress page refreshes itself
   (<noscript><meta refresh>) while the batch runs. */
(function () {
  "use strict";

  var BADGES = { signed: "badge--ok", failed: "badge--late" };

  /* The page gives its translated texts with placeholders (__F__ ...). */
  function fill(template, values) {
    return template.replace(/__([A-Z])__/g, function (m, k) {
      return values[k] !== undefined ? String(values[k]) : m;
    });
  }

  function selectAll() {
    var all = document.querySelector("[data-batch-select-all]");
    if (!all) return;
    var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-batch-document]"));
    var counter = document.querySelector("[data-batch-selected-count]");
    all.closest("label").hidden = false;
    function update() {
      var checked = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = checked === boxes.length && checked > 0;
      all.indeterminate = checked > 0 && checked < boxes.length;
      if (counter) {
        counter.textContent = fill(counter.getAttribute("data-batch-selected-count"), { N: checked });
      }
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  }

  function progress() {
    var card = document.querySelector("[data-batch-status-url]");
    if (!card) return;
    var url = card.getAttribute("data-batch-status-url");
    var bar = card.querySelector("[data-batch-bar]");
    var counts = card.querySelector("[data-batch-counts]");
    var stateLabel = card.querySelector("[data-batch-state-label]");

    function render(status) {
      bar.max = status.total;
      bar.value = status.finished;
      bar.textContent = status.finished + "/" + status.total;
      counts.textContent = fill(card.getAttribute("data-batch-counts-template"), {
        F: status.finished, T: status.total, S: status.signed, X: status.failed
      });
      card.setAttribute("data-batch-state", status.state);
      status.items.forEach(function (item) {
        var row = card.querySelector('[data-batch-item="' + item.id + '"]');
        if (!row) return;
        var badge = row.querySelector("[data-batch-item-state]");
        badge.className = "badge " + (BADGES[item.state] || "badge--info");
        badge.textContent = item.label;
        row.setAttribute("data-state", item.state);
        row.querySelector("[data-batch-item-error]").textContent = item.error;
      });
      if (status.state === "done") {
        stateLabel.className = "badge badge--ok";
        stateLabel.textContent = status.state_label;
      }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (status) {
          render(status);
          if (status.state !== "done") window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    if (card.getAttribute("data-batch-state") !== "done") poll();
  }

  selectAll();
  progress();
})();
