/* Sortable tables: progressive enhancement for <table data-sortable>.
 * Each column heading becomes a button; the first press sorts numbers from high to low and
 * text from A to Z, the next press reverses. Cells may carry data-sort-value (the raw
 * number or text); the footer (totals) stays where it is. aria-sort tells screen readers. */
(function () {
  "use strict";

  var collator = new Intl.Collator(document.documentElement.lang || undefined, {
    numeric: true,
    sensitivity: "base",
  });

  function rawValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort-value");
    return value === null ? cell.textContent.trim() : value;
  }

  function compare(type, a, b) {
    if (type === "number") {
      var x = parseFloat(a);
      var y = parseFloat(b);
      // Missing numbers (no posts, so no percentage) sort below every number.
      if (isNaN(x)) x = -Infinity;
      if (isNaN(y)) y = -Infinity;
      return x === y ? 0 : x < y ? -1 : 1;
    }
    return collator.compare(a, b);
  }

  function sortBy(table, header, index) {
    var type = header.getAttribute("data-sort-type") || "text";
    var current = header.getAttribute("aria-sort");
    var descending = current ? current === "ascending" : type === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, position) {
      if (!row.hasAttribute("data-original-index")) {
        row.setAttribute("data-original-index", String(position));
      }
    });
    rows.sort(function (a, b) {
      var order = compare(type, rawValue(a, index), rawValue(b, index));
      if (descending) order = -order;
      return order || a.getAttribute("data-original-index") - b.getAttribute("data-original-index");
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function enhance(table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (header.firstChild) button.appendChild(header.firstChild);
      var icon = document.createElement("span");
      icon.className = "sort-icon";
      icon.setAttribute("aria-hidden", "true");
      button.appendChild(icon);
      header.appendChild(button);
      button.addEventListener("click", function () {
        sortBy(table, header, index);
      });
    });
    table.classList.add("is-sortable");
  }

  document.querySelectorAll("table[data-sortable]").forEach(enhance);
})();
