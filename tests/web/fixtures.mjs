// View frames shaped like docs/views.md, shared by the UI unit tests.

export const PALETTE = ['#4c9aff', '#3fb950', '#f2cc60', '#ff5a52', '#bc8cff', '#f0883e', '#39c5cf', '#f778ba', '#9aa4ae'];

export const MAIL = {
  id: 'postfix', title: 'Mail flow', file: 'rules/postfix.yml', declared: true,
  rules: ['postfix_received', 'postfix_delivered', 'postfix_deferred', 'postfix_bounced', 'postfix_expired'],
  tiers: [{ name: 'ingress', title: 'INGRESS' }, { name: 'mta', title: 'MTAs' }, { name: 'relay', title: 'RELAYS' }],
  sink: { title: 'Internet', scale: { field: 'ip', kind: 'octet', min: 0, max: 255 } },
  types: [
    { type: 'inbound', colour: '#3fb950', from: 'ingress', to: 'mta', then: 'stop' },
    { type: 'delivered', colour: '#4c9aff', from: 'mta', to: 'relay', then: 'sink' },
    { type: 'transient', colour: '#f2cc60', from: 'mta', to: 'relay', then: 'return' },
    { type: 'permanent', colour: '#ff5a52', from: 'mta', to: 'relay', then: 'fall' },
    { type: 'expired', colour: '#9aa4ae', from: 'mta', to: 'mta', then: 'stop' },
  ],
  shares: [{ title: 'MTA to relay', metric: 'mail_deliveries_total', rows: 'mta', cols: 'relay', where: {} }],
  ratios: [{ title: 'bounce ratio', metric: 'mail_deliveries_total', label: 'outcome', part: ['transient', 'permanent'] }],
};

export const WEB = {
  id: 'nginx', title: 'Web requests', file: 'rules/nginx.yml', declared: true, rules: ['nginx_access'],
  tiers: [{ name: 'lb', title: 'LB' }, { name: 'app', title: 'APP' }], sink: null,
  types: [{ type: '2xx', colour: '#3fb950', from: 'lb', to: 'app' }, { type: '5xx', colour: '#ff5a52', from: 'lb', to: 'app', then: 'fall' }],
  shares: [{ title: 'LB to app', metric: 'nginx_requests_total', rows: 'lb', cols: 'app' }],
  ratios: [{ title: 'error ratio', metric: 'nginx_requests_total', label: 'status', part: ['5xx'] }],
};

export const DEFAULT_VIEW = {
  id: 'mine', title: 'mine', file: 'rules/mine.yml', declared: false, rules: ['my_rule'],
  tiers: [{ name: 'from', title: 'FROM' }, { name: 'to', title: 'TO' }], sink: null, types: [], shares: [], ratios: [],
};

export const frame = (...views) => ({ views, palette: PALETTE, metrics: [{ name: 'mail_deliveries_total', kind: 'counter', labels: ['mta', 'relay', 'outcome'] }] });

export class MemStorage {
  constructor() { this.m = new Map(); }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { this.m.set(k, String(v)); }
  removeItem(k) { this.m.delete(k); }
}
