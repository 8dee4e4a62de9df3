#pragma once
// The strict YAML reading shared by the rule parser and the view parser: positions as
// file:line, values that must be scalars or booleans, and unknown keys reported with a
// "did you mean" hint. Errors are appended, never thrown, so one pass reports them all.
//
// Bounded: a file's tree, aliases expanded, is measured before anyone walks it (see
// check_size), and a file adds at most kMaxRuleErrors errors, then counts the rest.
//
// Header-only on purpose: only the two parsers include it (yaml-cpp stays out of every
// other translation unit).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "rulefile/did_you_mean.hpp"
#include "rulefile/rule_error.hpp"

namespace tapemeasure::rules {

// An alias (*name) stands for the whole node its anchor names, so a small file can stand for
// a huge tree ("billion laughs": 100 aliases of 100 aliases of ...), which the parser and
// the compiler would then walk, copy and compile node by node. The largest shipped pack has
// about 1,300 nodes; a million is far beyond any hand-written file and still walked in
// about 0.1 s. The depth bound also stops an alias that contains itself (&a [*a]).
inline constexpr std::size_t kMaxYamlNodes = 1'000'000;
inline constexpr int kMaxYamlDepth = 64;

class YamlReader {
 public:
  YamlReader(const std::string& file, RuleErrors& errors) : file_(file), errors_(errors) {}

  const std::string& file() const { return file_; }
  // The rule being read, named in every error until changed ("" outside rules).
  void set_rule(std::string rule) { rule_ = std::move(rule); }

  SourcePos pos(const YAML::Node& n) const {
    const auto m = n.Mark();
    return {file_, m.line >= 0 ? m.line + 1 : 0};
  }

  void error(const YAML::Node& n, std::string message) {
    if (errors_.size() >= kMaxRuleErrors) {
      ++not_shown_;  // said once, by finish()
      return;
    }
    errors_.push_back({pos(n), rule_, std::move(message)});
  }

  // False (and an error at the node where the count passed the bound) when `root`, aliases
  // expanded, has more than `max_nodes` nodes or nests deeper than kMaxYamlDepth. Stops
  // counting there, so it costs at most `max_nodes` steps whatever the file.
  bool check_size(const YAML::Node& root, std::size_t max_nodes = kMaxYamlNodes) {
    std::size_t count = 0;
    YAML::Node stopped_at;
    std::string why;
    if (fits(root, 0, max_nodes, count, stopped_at, why)) return true;
    error(stopped_at, why);
    return false;
  }

  // After the last error of this file: one line counting those beyond kMaxRuleErrors.
  void finish() {
    if (not_shown_ == 0) return;
    RuleError rest;  // field by field: GCC 12 at -O3 warns (wrongly) about brace-initialised temporaries
    rest.pos.file = file_;
    rest.message = "... and " + std::to_string(not_shown_) + (not_shown_ == 1 ? " more error" : " more errors") +
                   " in this file not shown (only the first " + std::to_string(kMaxRuleErrors) + " are reported)";
    errors_.push_back(std::move(rest));
    not_shown_ = 0;
  }

  std::string scalar(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
      error(n, std::string(what) + " must be a single value (a string or number)");
      return {};
    }
    return n.Scalar();
  }

  bool boolean(const YAML::Node& n, std::string_view what) {
    bool v = false;
    if (n.IsScalar() && YAML::convert<bool>::decode(n, v)) return v;
    error(n, std::string(what) + " must be true or false");
    return false;
  }

  // False (and an error) when `n` is not a number.
  bool number(const YAML::Node& n, std::string_view what, double& out) {
    if (n.IsScalar() && YAML::convert<double>::decode(n, out)) return true;
    error(n, std::string(what) + " must be a number, not '" + (n.IsScalar() ? excerpt(n.Scalar()) : std::string("?")) +
                 "'");
    return false;
  }

  // Every key of `map` must be one of `known`; `where` names the map in the message.
  void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known, std::string_view where) {
    const std::vector<std::string> candidates(known.begin(), known.end());
    for (const auto& kv : map) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      error(kv.first, "unknown key '" + excerpt(key) + "' in " + std::string(where) + " (" +
                          closest_hint(excerpt(key), candidates) + ")");
    }
  }

 private:
  bool fits(const YAML::Node& n, int depth, std::size_t max_nodes, std::size_t& count, YAML::Node& stopped_at,
            std::string& why) {
    if (++count > max_nodes) {
      stopped_at = n;
      why = "YAML aliases expand past " + std::to_string(max_nodes) +
            " nodes (each *alias counts as the whole node it names); write the repeated part out or split the file";
      return false;
    }
    if (depth > kMaxYamlDepth) {
      stopped_at = n;
      why = "YAML nested deeper than " + std::to_string(kMaxYamlDepth) + " levels (an alias inside the node it names?)";
      return false;
    }
    if (n.IsMap()) {
      for (const auto& kv : n)
        if (!fits(kv.first, depth + 1, max_nodes, count, stopped_at, why) ||
            !fits(kv.second, depth + 1, max_nodes, count, stopped_at, why))
          return false;
    } else if (n.IsSequence()) {
      for (const auto& item : n)
        if (!fits(item, depth + 1, max_nodes, count, stopped_at, why)) return false;
    }
    return true;
  }

  const std::string& file_;
  RuleErrors& errors_;
  std::string rule_;
  std::size_t not_shown_ = 0;
};

}  // namespace tapemeasure::rules
