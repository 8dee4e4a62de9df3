#pragma once
// What the browser draws, as declared by the rule files' `view:` sections (DESIGN.md,
// "Views, shares and ratios"), compiled and validated against the loaded rules and metrics.
// One View per rule file: a declared one, or the default view of a file without `view:`.
// Immutable once built; shared as shared_ptr<const Views> and swapped on reload.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/metric_schema.hpp"
#include "rulefile/rule_error.hpp"

namespace tapemeasure::view {

enum class Then { stop, sink, return_, fall };
enum class ScaleKind { octet, linear, log };

struct Tier {
  std::string name;
  std::string title;
};

struct Scale {
  std::string field;  // event field read for the landing height
  ScaleKind kind = ScaleKind::octet;
  double min = 0, max = 255;  // linear/log only
};

struct Sink {
  std::string title;
  Scale scale;
};

struct TypeStyle {
  std::string type;
  std::string colour;  // "#rrggbb", palette names resolved
  std::string from, to;  // tier names (to defaults to from)
  Then then = Then::stop;
  // Hidden by the "squelch errors" toggle: `error:` in the view, by default the types
  // that return or fall (a disconnect drawn as a return is no error: error: false).
  bool error = false;
  rules::SourcePos pos;
};

// "Is round-robin really round-robin?": a counter's per-second increments, rows by one
// label, columns by another, optionally only where some labels have given values.
struct Share {
  std::string title;
  std::string metric;
  std::string rows, cols;
  std::vector<std::pair<std::string, std::string>> where;
  // Whether an even split is what to expect (load balancers: "is round-robin really
  // round-robin?"). false (attacker -> user, program -> outcome): the UI shows counts and
  // shares, and no verdict or colour against an even split.
  bool fair = true;
  rules::SourcePos pos;
};

// The part of a counter's increments whose `label` is one of `part`, over all of them;
// optionally only where some labels have given values (as a share's `where`).
struct Ratio {
  std::string title;
  std::string metric;
  std::string label;
  std::vector<std::string> part;
  std::vector<std::pair<std::string, std::string>> where;
  rules::SourcePos pos;
};

// "Which is faster, the new parser or the old?": for each value of `label`, a histogram's
// bucket increments (the UI reads quantiles from them) or a counter's increments, each row
// against the `baseline` value's (empty: the busiest value in the window).
struct Compare {
  std::string title;
  std::string metric;
  std::string label;
  std::string baseline;
  rules::SourcePos pos;
};

struct View {
  std::string id;     // unique among the loaded views: the file's stem (deduplicated)
  std::string title;  // `title:`, or the file's stem
  std::string file;
  rules::SourcePos pos;   // the `view:` key; the file alone for a default view
  bool declared = false;  // false: the default view of a file without `view:`
  std::vector<std::string> rules;  // the file's rules that emit events
  std::vector<Tier> tiers;
  bool has_sink = false;
  Sink sink;
  std::vector<TypeStyle> types;
  std::vector<Share> shares;
  std::vector<Ratio> ratios;
  std::vector<Compare> compares;
};

struct Views {
  std::vector<View> views;                      // in the order the files were loaded
  std::vector<metrics::MetricSchema> metrics;   // every metric the loaded rules declare

  // The view drawing `rule`'s events (every rule with events is in exactly one); null if none.
  const View* view_of_rule(std::string_view rule) const {
    for (const auto& v : views)
      for (const auto& r : v.rules)
        if (r == rule) return &v;
    return nullptr;
  }
};

}  // namespace tapemeasure::view
