#pragma once
// Reads a rule file's `view:` section (docs/views.md) into a ViewSpec. Only the shape is
// checked here (maps, lists, scalars, numbers, unknown keys with "did you mean" hints);
// what the names mean (tiers, colours, metrics) is checked by view::compile_views.
#include <yaml-cpp/yaml.h>

#include "rulefile/view_spec.hpp"
#include "rulefile/yaml_reader.hpp"

namespace tapemeasure::rules {

// `key` is the `view` key (its line is the view's position), `value` what follows it.
ViewSpec parse_view(YamlReader& yaml, const YAML::Node& key, const YAML::Node& value);

}  // namespace tapemeasure::rules
