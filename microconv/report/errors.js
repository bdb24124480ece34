// Errors raised on the page (a chart that fails to draw, a script error) are listed in
// #report-errors, so that a headless browser, or a reader, sees them.
window.microconvErrors = [];
window.addEventListener("error", function (event) {
  window.microconvErrors.push(String(event.message || event));
  var list = document.getElementById("report-errors");
  if (list) {
    var item = document.createElement("li");
    item.textContent = event.message;
    list.appendChild(item);
  }
});
