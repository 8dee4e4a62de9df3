// A private copy of a rule directory that the soak rewrites once a second, alternating a
// good edit and a bad one, the way an editor saves (write a temp file, rename it over).
// The daemon's watcher reloads on each; /metrics must then count one success per good
// write and one failure per bad write. The file it rewrites is its own (zz_soak.yml), so
// the pack's own rules and counters stay what they are.
import fs from 'node:fs';
import path from 'node:path';

const good = (gen) => `# soak: good edit ${gen}
format: raw
rules:
  - name: soak_probe
    match: '^soak probe ${gen} (?P<n>\\d+)$'
    event: false
    metrics:
      - counter: soak_probe_total
        help: Lines the soak never sends (the rule exists to be reloaded).
    tests:
      - line: 'soak probe ${gen} 1'
        expect: {n: '1'}
`;

// Two kinds of mistake, in turn: YAML that does not parse, and a regex that does not compile.
const bad = (gen) => (gen % 4 === 1
  ? `# soak: bad YAML ${gen}\nformat: raw\nrules: [{name: soak_probe, match: '^soak probe ${gen}$', event: false\n`
  : `# soak: bad regex ${gen}\nformat: raw\nrules:\n  - name: soak_probe\n    match: '^soak probe ${gen} (?P<n>\\d+$'\n    event: false\n`);

export class ReloadChurn {
  // Copies the *.yml/*.yaml files of `from` (not its subfolders: the daemon reads only the
  // top level) into `dir`, plus the first good zz_soak.yml.
  constructor(from, dir) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(from)) {
      if (/\.ya?ml$/.test(f) && fs.statSync(path.join(from, f)).isFile()) fs.copyFileSync(path.join(from, f), path.join(dir, f));
    }
    this.file = path.join(dir, 'zz_soak.yml');
    fs.writeFileSync(this.file, good(0));
    this.gen = 0;
    this.goodWrites = 0;
    this.badWrites = 0;
  }

  // One rewrite: odd generations are bad, even ones good.
  step() {
    this.gen++;
    const text = this.gen % 2 === 1 ? bad(this.gen) : good(this.gen);
    const tmp = path.join(this.dir, '.zz_soak.yml.tmp');
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, this.file);
    if (this.gen % 2 === 1) this.badWrites++; else this.goodWrites++;
  }

  start(everyMs) { this.timer = setInterval(() => this.step(), everyMs); }
  stop() { clearInterval(this.timer); }
}

export const soakRuleFile = { good, bad };
