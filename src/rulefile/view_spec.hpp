#pragma once
// A rule file's `view:` as written (docs/views.md), before validation: plain text with the
// source line of every piece, so that view::compile_views can point at the exact line of
// an unknown tier or colour. Names (colours, `then`, scale kinds) stay text here; the
// compiler resolves and checks them against each other and the loaded rules.
#include <string>
#include <utility>
#include <vector>

#include "rulefile/rule_error.hpp"

namespace tapemeasure::rules {

// One scalar of the view, where it was written; `given` is false when the key was absent.
struct ViewValue {
  std::string text;
  SourcePos pos;
  bool given = false;
};

struct ViewTierSpec {
  SourcePos pos;
  ViewValue name, title;
};

struct ViewScaleSpec {
  SourcePos pos;
  ViewValue field, kind;
  bool has_min = false, has_max = false;
  double min = 0, max = 0;
  SourcePos min_pos, max_pos;
};

struct ViewSinkSpec {
  SourcePos pos;
  ViewValue title;
  bool has_scale = false;
  ViewScaleSpec scale;
};

struct ViewTypeSpec {
  SourcePos pos;
  ViewValue type;  // the key under `types:`
  ViewValue colour, from, to, then, error;
};

struct ViewShareSpec {
  SourcePos pos;
  ViewValue title, metric, rows, cols, fair;
  std::vector<std::pair<ViewValue, ViewValue>> where;  // label -> value
};

struct ViewRatioSpec {
  SourcePos pos;
  ViewValue title, metric, label;
  std::vector<ViewValue> part;
  std::vector<std::pair<ViewValue, ViewValue>> where;  // label -> value, as a share's
};

// "Which is faster?": a histogram's (or a counter's) figures side by side for each value
// of one label, each against the `baseline` value.
struct ViewCompareSpec {
  SourcePos pos;
  ViewValue title, metric, label, baseline;
};

struct ViewSpec {
  SourcePos pos;  // the `view:` key
  ViewValue title;
  SourcePos tiers_pos;
  std::vector<ViewTierSpec> tiers;
  bool has_sink = false;
  ViewSinkSpec sink;
  std::vector<ViewTypeSpec> types;
  std::vector<ViewShareSpec> shares;
  std::vector<ViewRatioSpec> ratios;
  std::vector<ViewCompareSpec> compares;
};

}  // namespace tapemeasure::rules
