// The grid worker app's service worker (scope /app/). build.mjs writes the
// list of the build's files and a build id into the two placeholders below,
// so every build is a new worker with a cache of its own.
//
// - install: precache the app shell (index.html as './', the hashed bundles,
//   the manifest and icons), bypassing the HTTP cache;
// - activate: delete the caches of older builds, take over open pages;
// - fetch: API calls (/v1/...) are never touched or cached: they go to the
//   network as if there were no worker, so the offline queue in IndexedDB
//   (src/sender.js) stays the only place where unsent reports live.
//   Navigations inside the scope get the cached index.html (the app works
//   offline); other files of the shell come from the cache, then the network.
const PRECACHE = self.__PRECACHE__;
const VERSION = self.__VERSION__;
const PREFIX = 'gridd-app-';
const CACHE = PREFIX + VERSION;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function isApi(url) {
  return url.pathname.startsWith('/v1/') || url.pathname.startsWith('/open311/') ||
    url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/metrics';
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || isApi(url)) return;
  const scope = new URL(self.registration.scope);
  if (!url.pathname.startsWith(scope.pathname)) return;
  if (req.mode === 'navigate') {
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      const shell = await cache.match('./');
      if (shell) return shell;
      return fetch(req);
    })());
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(req);
    return hit ?? fetch(req);
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'version') event.source?.postMessage({ version: VERSION });
});
