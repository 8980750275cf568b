// mpp2xml's service worker: the app shell, the wasm and the worker are precached so the
// installed app converts with no network. The build (public/post_build.py, a Trunk post_build
// hook) replaces the two lines below with the real file list and a cache name made from a hash
// of their contents, so every deployment with changed files installs as a new version.
const CACHE = "mpp2xml-dev";
const PRECACHE = ["./", "index.html"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((path) => new Request(path, { cache: "reload" }))))
      // A new version takes over at once; the page offers a reload when that happens.
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((key) => key.startsWith("mpp2xml-") && key !== CACHE).map((key) => caches.delete(key))),
      )
      .then(() => self.clients.claim()),
  );
});

// Cache first for what was precached (hashed or versioned by CACHE), network for the rest.
// Navigations fall back to the cached app shell when the network is down.
// The server's API (/api/…: its limits, conversions, telemetry) always goes to the network
// untouched: an answer from a cache would be stale, and offline the app must see the failure.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(request, { ignoreSearch: true });
      if (cached) {
        return cached;
      }
      try {
        return await fetch(request);
      } catch (error) {
        if (request.mode === "navigate") {
          const shell = await cache.match("./");
          if (shell) {
            return shell;
          }
        }
        throw error;
      }
    }),
  );
});
