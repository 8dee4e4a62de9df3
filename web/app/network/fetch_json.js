// GET a JSON document from the daemon (or a peer): its body, or null when it failed in any
// way (network, status, JSON). The page goes on without what it could not read.

export async function fetchJson(url) {
  try {
    const r = await fetch(url, { cache: 'no-store' });
    return r.ok ? await r.json() : null;
  } catch (_) {
    return null;
  }
}
