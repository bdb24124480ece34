// The dashboard's behaviour: tabs (the URL's #fragment names a page or a section), the filter bar
// (period, channel, device), key numbers with period-over-period change, top movers, and sortable
// tables. Plain JavaScript over the JSON embedded in #dashboard-data; nothing is fetched.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("dashboard-data").textContent);
  var DAY = 86400000;

  function shift(iso, days) {
    var d = new Date(Date.parse(iso + "T00:00:00Z") + days * DAY);
    return d.toISOString().slice(0, 10);
  }
  function daysBetween(a, b) {
    return Math.round((Date.parse(b + "T00:00:00Z") - Date.parse(a + "T00:00:00Z")) / DAY) + 1;
  }
  function fmtInt(x) {
    return Math.round(x).toLocaleString("en-US");
  }
  function fmtMoney(x, currency) {
    return x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " " + currency;
  }
  function fmtPct(x) {
    return (x * 100).toFixed(1) + "%";
  }
  // Relative change, null when there is nothing to compare with (as shaping.change).
  function change(current, previous) {
    if (current === null || previous === null || previous === 0) return null;
    return current / previous - 1;
  }

  function difference(current, previous) {
    return current === null || previous === null ? null : current - previous;
  }

  // --- filters ---------------------------------------------------------------------------------
  var allDays = D.sessions.dimensions.date_day.slice().sort();
  var firstDay = allDays[0];
  var lastDay = D.latest_day || allDays[allDays.length - 1];
  var state = { start: shift(lastDay, -27), end: lastDay, channel: "", device: "" };

  function el(id) {
    return document.getElementById(id);
  }

  function readFilters() {
    var range = el("f-range").value;
    if (range === "custom") {
      state.start = el("f-start").value || firstDay;
      state.end = el("f-end").value || lastDay;
      if (state.end < state.start) {
        var swap = state.start;
        state.start = state.end;
        state.end = swap;
      }
    } else if (range === "all") {
      state.start = firstDay;
      state.end = lastDay;
    } else {
      state.end = lastDay;
      state.start = shift(lastDay, 1 - parseInt(range, 10));
    }
    state.channel = el("f-channel").value;
    state.device = el("f-device").value;
    el("f-start").value = state.start;
    el("f-end").value = state.end;
    document.body.classList.toggle("custom-range", range === "custom");
  }

  // Sum the cube's measures over rows in [start, end] matching the channel and device filters,
  // grouped by `groupBy` (a dimension name, or null for one total).
  function total(cube, start, end, groupBy) {
    var dims = Object.keys(cube.dimensions);
    var di = dims.indexOf("date_day");
    var ci = dims.indexOf("channel");
    var vi = dims.indexOf("device");
    var gi = groupBy ? dims.indexOf(groupBy) : -1;
    var dates = cube.dimensions.date_day;
    var channelIndex = state.channel ? cube.dimensions.channel.indexOf(state.channel) : -1;
    var deviceIndex = state.device ? cube.dimensions.device.indexOf(state.device) : -1;
    var result = {};
    cube.rows.forEach(function (row) {
      var day = dates[row[di]];
      if (day < start || day > end) return;
      if (state.channel && row[ci] !== channelIndex) return;
      if (state.device && row[vi] !== deviceIndex) return;
      var key = gi >= 0 ? cube.dimensions[groupBy][row[gi]] : "all";
      var sums = result[key] || (result[key] = cube.measures.map(function () { return 0; }));
      for (var m = 0; m < cube.measures.length; m++) sums[m] += row[dims.length + m] || 0;
    });
    return result;
  }
  function measure(cube, sums, name) {
    return sums ? sums[cube.measures.indexOf(name)] : 0;
  }

  // --- key numbers ------------------------------------------------------------------------------
  // A tile; `points` says the delta is a difference of two rates (in percentage points), not a
  // relative change.
  function tile(label, value, delta, note, points) {
    var days = daysBetween(state.start, state.end);
    var cls = delta === null ? "flat" : delta >= 0 ? "up" : "down";
    var deltaText;
    if (!comparable()) {
      deltaText = "previous " + days + " days not all in the data";
    } else if (delta === null) {
      deltaText = "nothing in the previous " + days + " days";
    } else {
      var amount = points ? (delta * 100).toFixed(2) + " pp" : fmtPct(delta);
      deltaText = (delta >= 0 ? "▲ +" : "▼ ") + amount + " vs previous " + days + " days";
    }
    return (
      '<div class="tile"><span class="label">' + label + "</span><b>" + value + "</b>" +
      '<span class="delta ' + cls + '">' + deltaText + "</span>" +
      (note ? '<span class="note">' + note + "</span>" : "") + "</div>"
    );
  }

  // A change is shown only when the whole previous period lies within the data: a period that starts
  // before the first day would compare with fewer days and read as growth.
  function comparable() {
    return shift(state.start, -daysBetween(state.start, state.end)) >= firstDay;
  }

  function renderKpis() {
    var box = el("kpi-tiles");
    if (!box) return;
    var prevEnd = shift(state.start, -1);
    var prevStart = shift(state.start, -daysBetween(state.start, state.end));
    var S = D.sessions;
    var now = total(S, state.start, state.end, null).all;
    var before = total(S, prevStart, prevEnd, null).all;
    var sessions = measure(S, now, "sessions");
    var sessionsBefore = measure(S, before, "sessions");
    var engaged = measure(S, now, "engaged_sessions");
    var engagedBefore = measure(S, before, "engaged_sessions");
    var converting = measure(S, now, "converting_sessions");
    var convertingBefore = measure(S, before, "converting_sessions");
    var rate = sessions ? converting / sessions : null;
    var rateBefore = sessionsBefore ? convertingBefore / sessionsBefore : null;
    var engagedRate = sessions ? engaged / sessions : null;
    var engagedRateBefore = sessionsBefore ? engagedBefore / sessionsBefore : null;
    var M = D.micro;
    var micro = measure(M, total(M, state.start, state.end, null).all, "occurrences");
    var microBefore = measure(M, total(M, prevStart, prevEnd, null).all, "occurrences");
    var X = D.macro;
    var macroNow = total(X, state.start, state.end, "currency");
    var macroBefore = total(X, prevStart, prevEnd, "currency");
    var conversions = 0;
    var conversionsBefore = 0;
    Object.keys(macroNow).forEach(function (c) { conversions += measure(X, macroNow[c], "conversions"); });
    Object.keys(macroBefore).forEach(function (c) { conversionsBefore += measure(X, macroBefore[c], "conversions"); });
    var html =
      tile("sessions", fmtInt(sessions), change(sessions, sessionsBefore)) +
      tile("engaged sessions", engagedRate === null ? "–" : fmtPct(engagedRate),
        difference(engagedRate, engagedRateBefore), "engaged sessions / sessions", true) +
      tile("converting sessions", rate === null ? "–" : fmtPct(rate), difference(rate, rateBefore),
        "sessions with a macro-conversion / sessions", true) +
      tile("micro-conversions", fmtInt(micro), change(micro, microBefore)) +
      tile("macro-conversions", fmtInt(conversions), change(conversions, conversionsBefore));
    // Money per currency as sent: never added up across currencies.
    var currencies = Object.keys(macroNow).concat(Object.keys(macroBefore)).filter(function (c, i, a) {
      return a.indexOf(c) === i;
    }).sort();
    currencies.forEach(function (c) {
      var amount = measure(X, macroNow[c], "revenue_original");
      var amountBefore = measure(X, macroBefore[c], "revenue_original");
      html += tile("revenue in " + c, fmtMoney(amount, c), change(amount, amountBefore), "as sent, not converted");
    });
    box.innerHTML = html;
    var scope = [state.channel || "all channels", state.device || "all devices"].join(", ");
    el("f-summary").textContent = state.start + " to " + state.end + " (" + daysBetween(state.start, state.end) + " days), " + scope;
  }

  // --- the sessions chart follows channel and device ---------------------------------------------
  function renderSessionsChart() {
    var gd = el("kpis-chart-0");
    if (!gd || !window.Plotly || !gd.data) return;
    var byDay = total(D.sessions, firstDay, lastDay, "date_day");
    var days = Object.keys(byDay).sort();
    var S = D.sessions;
    Plotly.restyle(gd, {
      x: [days, days],
      y: [
        days.map(function (d) { return measure(S, byDay[d], "sessions"); }),
        days.map(function (d) {
          var s = measure(S, byDay[d], "sessions");
          return s ? measure(S, byDay[d], "converting_sessions") / s : null;
        }),
      ],
    }, [0, 1]);
  }

  // --- top movers --------------------------------------------------------------------------------
  function renderMovers() {
    var table = el("top-movers");
    if (!table) return;
    var length = daysBetween(state.start, state.end);
    var now = total(D.micro, state.start, state.end, "micro_conversion");
    var before = total(D.micro, shift(state.start, -length), shift(state.start, -1), "micro_conversion");
    var names = Object.keys(now).concat(Object.keys(before)).filter(function (n, i, a) { return a.indexOf(n) === i; });
    var rows = names.map(function (name) {
      var c = now[name] ? now[name][0] : 0;
      var p = before[name] ? before[name][0] : 0;
      if (!comparable()) return { name: name, current: c, previous: null, delta: null, change: null };
      return { name: name, current: c, previous: p, delta: c - p, change: change(c, p) };
    });
    rows.sort(function (a, b) {
      return Math.abs(b.delta || 0) - Math.abs(a.delta || 0) || b.current - a.current || (a.name < b.name ? -1 : 1);
    });
    var body = rows.slice(0, 10).map(function (r) {
      if (r.delta === null) {
        return "<tr><td>" + r.name + '</td><td data-sort="' + r.current + '">' + fmtInt(r.current) +
          "</td><td>–</td><td>–</td><td>–</td></tr>";
      }
      return "<tr><td>" + r.name + '</td><td data-sort="' + r.current + '">' + fmtInt(r.current) +
        '</td><td data-sort="' + r.previous + '">' + fmtInt(r.previous) + '</td><td data-sort="' + r.delta +
        '" class="' + (r.delta >= 0 ? "up" : "down") + '">' + (r.delta >= 0 ? "+" : "") + fmtInt(r.delta) +
        "</td><td" + (r.change === null ? ">–" : ' data-sort="' + r.change + '">' + (r.change >= 0 ? "+" : "") + fmtPct(r.change)) +
        "</td></tr>";
    }).join("");
    table.tBodies[0].innerHTML = body;
    table.caption.textContent = comparable()
      ? "Largest changes in occurrences against the previous " + length + " days"
      : "The previous " + length + " days are not all in the data: no change is shown (pick a shorter period)";
  }

  // --- date axes follow the period -----------------------------------------------------------------
  // The y axes of date charts rescale to the days shown, except axes the figure fixed (e.g. a share
  // from 0 to 100%) and axes with negative values.
  function yRanges(gd, all) {
    if (!gd._fixedY) {
      // The figure lists the axes it fixed in layout.meta.fixed_y (figures.py).
      gd._fixedY = {};
      ((gd.layout.meta || {}).fixed_y || []).forEach(function (key) { gd._fixedY[key] = true; });
    }
    var highs = {};
    var usable = {};
    // _fullData: the traces with their arrays decoded (plotly.py ships numbers as typed arrays).
    gd._fullData.forEach(function (trace) {
      var xKey = "xaxis" + (trace.xaxis || "x").slice(1);
      var yKey = "yaxis" + (trace.yaxis || "y").slice(1);
      if (!gd._fullLayout[xKey] || gd._fullLayout[xKey].type !== "date" || gd._fixedY[yKey]) return;
      if (!trace.x || !trace.y || trace.x.length !== trace.y.length) return;
      if (!(yKey in usable)) usable[yKey] = true;
      for (var i = 0; i < trace.x.length; i++) {
        var y = trace.y[i];
        if (y === null || y === undefined) continue;
        if (y < 0) usable[yKey] = false;
        var day = String(trace.x[i]).slice(0, 10);
        if (day >= state.start && day <= state.end) highs[yKey] = Math.max(highs[yKey] || 0, y);
      }
    });
    var update = {};
    Object.keys(usable).forEach(function (key) {
      if (!usable[key]) return;
      if (all || !highs[key]) update[key + ".autorange"] = true;
      else update[key + ".range"] = [0, highs[key] * 1.08];
    });
    return update;
  }

  function applyPeriod() {
    var all = state.start <= firstDay && state.end >= lastDay;
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      var layout = gd._fullLayout;
      if (!layout) return;
      var update = {};
      Object.keys(layout).forEach(function (key) {
        if (/^xaxis\d*$/.test(key) && layout[key].type === "date") {
          if (all) update[key + ".autorange"] = true;
          else update[key + ".range"] = [shift(state.start, -1) + " 12:00", state.end + " 12:00"];
        }
      });
      if (Object.keys(update).length) Plotly.relayout(gd, Object.assign(update, yRanges(gd, all)));
    });
  }

  function refresh() {
    readFilters();
    renderKpis();
    renderSessionsChart();
    renderMovers();
    applyPeriod();
  }

  // --- tabs ----------------------------------------------------------------------------------------
  function showPage() {
    var wanted = (location.hash || "#overview").slice(1);
    var page = el("page-" + wanted);
    if (page) {
      window.scrollTo(0, 0);
    } else {
      var section = el(wanted);
      page = section && section.dataset.page ? el("page-" + section.dataset.page) : el("page-overview");
    }
    document.querySelectorAll(".page").forEach(function (p) {
      p.classList.toggle("active", p === page);
    });
    document.querySelectorAll("nav a").forEach(function (a) {
      a.classList.toggle("active", "page-" + a.dataset.page === page.id);
    });
    page.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      Plotly.Plots.resize(gd);
    });
  }

  // --- sortable tables -----------------------------------------------------------------------------
  function sortBy(th) {
    var table = th.closest("table");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.dataset.dir !== "asc";
    th.parentNode.querySelectorAll("th").forEach(function (other) { delete other.dataset.dir; });
    th.dataset.dir = ascending ? "asc" : "desc";
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    rows.sort(function (a, b) {
      var x = a.cells[index];
      var y = b.cells[index];
      var nx = x.dataset.sort;
      var ny = y.dataset.sort;
      var result;
      if (nx !== undefined || ny !== undefined) {
        result = (nx === undefined ? -Infinity : parseFloat(nx)) - (ny === undefined ? -Infinity : parseFloat(ny));
      } else {
        result = x.textContent.localeCompare(y.textContent);
      }
      return ascending ? result : -result;
    });
    rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
  }

  document.addEventListener("click", function (event) {
    var th = event.target.closest("table.sortable th");
    if (th) sortBy(th);
  });
  ["f-range", "f-start", "f-end", "f-channel", "f-device"].forEach(function (id) {
    el(id).addEventListener("change", function () {
      if (id === "f-start" || id === "f-end") el("f-range").value = "custom";
      refresh();
    });
  });
  // Filters can be set in the address (shareable): report.html?range=7&channel=Email&device=mobile#micro,
  // or range=custom&start=2026-11-01&end=2026-11-14.
  var params = new URLSearchParams(location.search);
  [["range", "f-range"], ["start", "f-start"], ["end", "f-end"], ["channel", "f-channel"], ["device", "f-device"]]
    .forEach(function (pair) {
      if (params.has(pair[0])) el(pair[1]).value = params.get(pair[0]);
    });
  if (!el("f-range").value) el("f-range").value = "28";
  window.addEventListener("hashchange", showPage);
  // A page's key is also the id of its first section: keep the browser from scrolling past the header.
  window.addEventListener("load", function () {
    if (el("page-" + location.hash.slice(1))) window.scrollTo(0, 0);
  });
  refresh();
  showPage();
})();
