// Progressive help only: every page works without this file.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}

// Check-in with a geofence: ask for the position, then send the form. Without a position
// the server says what to do.
const fenced = document.querySelector("form[data-geofence]");
if (fenced && "geolocation" in navigator) {
  fenced.addEventListener("submit", (event) => {
    if (fenced.elements.lat.value) return;
    event.preventDefault();
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        fenced.elements.lat.value = pos.coords.latitude.toFixed(6);
        fenced.elements.lng.value = pos.coords.longitude.toFixed(6);
        fenced.submit();
      },
      () => fenced.submit(),
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
}

// A table wider than the phone scrolls inside its box: let the keyboard reach it too.
for (const table of document.querySelectorAll(".table")) {
  if (table.scrollWidth > table.clientWidth) table.tabIndex = 0;
}

// A screen on the wall (数据大屏, the rotating check-in code) reloads itself.
const refresh = Number(document.body.dataset.refresh);
if (refresh > 0) setTimeout(() => location.reload(), refresh * 1000);
