// Rasd serve: dates in the reader's time zone and an Arabic format. The page is complete
// without this script (dates then show in UTC); it adds nothing else and loads nothing.
"use strict";
(function () {
  var format;
  try {
    format = new Intl.DateTimeFormat("ar", { dateStyle: "long", timeStyle: "short" });
  } catch (e) {
    return;
  }
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when.getTime())) {
      el.title = el.textContent;
      el.textContent = format.format(when);
    }
  });
})();
