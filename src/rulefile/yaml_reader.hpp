#pragma once
// The strict YAML reading shared by the rule parser and the view parser: positions as
// file:line, values that must be scalars or booleans, and unknown keys reported with a
// "did you mean" hint. Errors are appended, never thrown, so one pass reports them all.
//
// Header-only on purpose: only the two parsers include it (yaml-cpp stays out of every
// other translation unit).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "rulefile/did_you_mean.hpp"
#include "rulefile/rule_error.hpp"

namespace tapemeasure::rules {

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

  void error(const YAML::Node& n, std::string message) { errors_.push_back({pos(n), rule_, std::move(message)}); }

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
    error(n, std::string(what) + " must be a number, not '" + (n.IsScalar() ? n.Scalar() : std::string("?")) + "'");
    return false;
  }

  // Every key of `map` must be one of `known`; `where` names the map in the message.
  void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known, std::string_view where) {
    const std::vector<std::string> candidates(known.begin(), known.end());
    for (const auto& kv : map) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      error(kv.first, "unknown key '" + key + "' in " + std::string(where) + " (" + closest_hint(key, candidates) + ")");
    }
  }

 private:
  const std::string& file_;
  RuleErrors& errors_;
  std::string rule_;
};

}  // namespace tapemeasure::rules
