// Lets the app be installed to the home screen. Pages always come from the network:
// party data must never be served stale from a cache.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", () => {});
