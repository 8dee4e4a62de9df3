#include "rules/rule_set.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "rules/rule_compiler.hpp"
#include "util/utf8.hpp"

namespace tapemeasure::rules {
namespace {

constexpr std::int64_t kSetMaxMem = 64 << 20;  // the Set's DFA cache for all rules

}  // namespace

bool anchored_at_start(std::string_view p) {
  if (p.empty() || p[0] != '^') return false;
  int depth = 0;
  bool in_class = false;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;  // "[]...]" starts with a literal ']'
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return false;
    }
  }
  return true;
}

std::shared_ptr<const RuleSet> RuleSet::compile(const std::vector<RuleFileSpec>& files,
                                                RuleErrors& errors) {
  auto set = std::shared_ptr<RuleSet>(new RuleSet());
  const std::size_t errors_before = errors.size();
  for (const auto& file : files) set->files_.push_back(file.file);
  CompiledRules compiled = compile_rules(files, errors);
  if (errors.size() != errors_before) return nullptr;
  set->rules_ = std::move(compiled.rules);
  set->metrics_ = std::move(compiled.metrics);
  set->tables_ = std::move(compiled.tables);

  if (!set->build_sets(errors, files.empty() ? std::string() : files.front().file)) return nullptr;
  return set;
}

bool RuleSet::build_sets(RuleErrors& errors, const std::string& file) {
  groups_.clear();
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const auto& rule = rules_[i];
    const bool anchored = anchored_at_start(rule.re->pattern());
    auto g = std::find_if(groups_.begin(), groups_.end(), [&](const SetGroup& sg) {
      return sg.format == rule.format && sg.anchored == anchored;
    });
    if (g == groups_.end()) {
      groups_.push_back({rule.format, anchored,
                         std::make_unique<RE2::Set>(regex_options(kSetMaxMem),
                                                    anchored ? RE2::ANCHOR_START : RE2::UNANCHORED),
                         {}});
      g = groups_.end() - 1;
    }
    std::string err;
    if (g->set->Add(rule.re->pattern(), &err) < 0) {
      errors.push_back({rule.pos, rule.name, "invalid RE2 pattern: " + err});
      return false;
    }
    g->rule_of.push_back(static_cast<int>(i));
    any_syslog_ |= rule.format == InputFormat::syslog;
    max_fields_ = std::max(max_fields_, rule.match_fields);
    max_submatches_ = std::max(max_submatches_, rule.submatches_all);
  }
  for (auto& g : groups_) {
    if (!g.set->Compile()) {
      RuleError e;
      e.pos.file = file;
      e.message = "the rules together exceed RE2's memory budget; split or simplify patterns";
      errors.push_back(std::move(e));
      return false;
    }
  }
  return true;
}

std::shared_ptr<const RuleSet> RuleSet::clone_for_thread() const {
  auto copy = std::shared_ptr<RuleSet>(new RuleSet());
  copy->rules_ = rules_;
  for (auto& rule : copy->rules_) {
    const bool lean_is_whole = rule.lean == rule.re;
    rule.re = std::make_shared<const RE2>(rule.re->pattern(), rule.re->options());
    rule.lean = lean_is_whole ? rule.re : std::make_shared<const RE2>(rule.lean->pattern(), rule.lean->options());
  }
  copy->metrics_ = metrics_;
  copy->files_ = files_;
  copy->tables_ = tables_;
  RuleErrors errors;
  // The same patterns compiled before: this cannot fail, but if it did, sharing is correct.
  if (!copy->build_sets(errors, {})) return shared_from_this();
  return copy;
}

int RuleSet::match(std::string_view line, MatchScratch& s, bool all_fields,
                   const std::function<void(const RuleMatch&)>& on_match) const {
  // RE2 works in UTF-8: an invalid byte (a Latin-1 name in an address, say) would stop
  // `.` and `[^>]` from matching and silently lose the line. Match a cleaned copy instead;
  // captures then hold U+FFFD where the bad bytes were, as events and labels would anyway.
  if (!util::is_clean_utf8(line)) {
    s.cleaned.clear();
    util::append_clean_utf8(s.cleaned, line);
    line = s.cleaned;
  }
  const SyslogHeader header = any_syslog_ ? parse_syslog_header(line) : SyslogHeader{};
  const auto text_for = [&](InputFormat f) { return f == InputFormat::syslog ? header.body : line; };

  s.candidates.clear();
  bool set_answered = true;  // every candidate's pattern is known to match
  for (const auto& g : groups_) {
    const std::string_view text = text_for(g.format);
    RE2::Set::ErrorInfo info{};
    if (g.set->Match(re2::StringPiece(text.data(), text.size()), &s.hits, &info)) {
      for (int h : s.hits) s.candidates.push_back(g.rule_of[h]);
    } else if (info.kind != RE2::Set::kNoError) {
      // The Set's DFA ran out of memory on this line: try every rule of the group instead
      // (slower, same answer). Never lose the line.
      s.candidates.insert(s.candidates.end(), g.rule_of.begin(), g.rule_of.end());
      set_answered = false;
    }
  }
  if (s.candidates.empty()) return 0;
  // RE2::Set reports hits in no particular order; rules run in file order.
  std::sort(s.candidates.begin(), s.candidates.end());

  s.submatches.resize(max_submatches_);
  s.fields.resize(max_fields_);
  int matched = 0;
  for (int index : s.candidates) {
    const CompiledRule& rule = rules_[index];
    const std::string_view text = text_for(rule.format);
    const RE2& re = all_fields ? *rule.re : *rule.lean;
    const std::vector<int>& group = all_fields ? rule.field_group : rule.lean_group;
    const int n = all_fields ? rule.submatches_all : rule.lean_submatches;
    // With nothing to capture, the Set has already said that the pattern matches.
    if ((n > 0 || !set_answered) &&
        !re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED, s.submatches.data(), n))
      continue;
    const std::size_t ncap = group.size();
    for (std::size_t f = 0; f < ncap; ++f) {
      const int g = group[f];
      if (g < 0 || g >= n) {
        s.fields[f] = std::string_view();
        continue;
      }
      const auto& sp = s.submatches[static_cast<std::size_t>(g)];
      s.fields[f] = sp.data() != nullptr ? std::string_view(sp.data(), sp.size()) : std::string_view();
    }
    if (rule.format == InputFormat::syslog) {
      s.fields[ncap] = header.host;
      s.fields[ncap + 1] = header.program;
      s.fields[ncap + 2] = header.pid;
      s.fields[ncap + 3] = header.timestamp;
    }
    ++matched;
    on_match(RuleMatch{index, rule, std::span<const std::string_view>(s.fields.data(), rule.match_fields), text,
                       all_fields || rule.lean_complete});
    if (!rule.continue_matching && !rule.has_when) break;
  }
  return matched;
}

RuleMatch RuleSet::with_all_fields(const RuleMatch& m, FillScratch& s) {
  if (m.complete) return m;
  const CompiledRule& rule = m.rule;
  s.fields.assign(m.fields.begin(), m.fields.end());  // syslog, recalled and time fields too
  s.submatches.resize(static_cast<std::size_t>(rule.submatches_all));
  // The whole pattern takes the same path through the text as the lean one (captures do not
  // change RE2's choices), so it matches too; the check only guards against a broken rewrite.
  if (rule.re->Match(re2::StringPiece(m.text.data(), m.text.size()), 0, m.text.size(), RE2::UNANCHORED,
                     s.submatches.data(), rule.submatches_all)) {
    for (std::size_t f = 0; f < rule.field_group.size(); ++f) {
      const int lean = rule.lean_group[f];
      if (lean >= 0 && lean < rule.lean_submatches) continue;  // matching filled it already
      const auto& sp = s.submatches[static_cast<std::size_t>(rule.field_group[f])];
      s.fields[f] = sp.data() != nullptr ? std::string_view(sp.data(), sp.size()) : std::string_view();
    }
  }
  return RuleMatch{m.index, rule, std::span<const std::string_view>(s.fields.data(), s.fields.size()), m.text, true};
}

}  // namespace tapemeasure::rules
