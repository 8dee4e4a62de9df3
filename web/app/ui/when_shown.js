// A panel skips drawing while its tab is hidden; this calls it back the moment it is shown
// again (an IntersectionObserver on its host), so what changed meanwhile is drawn then.
// Returns the observer, or null where the browser has none (node tests).

export function whenShown(host, fn) {
  if (typeof IntersectionObserver !== 'function') return null;
  const observer = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) fn(); });
  observer.observe(host);
  return observer;
}
