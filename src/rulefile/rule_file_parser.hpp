#pragma once
// Reads rule files (YAML) into RuleFileSpecs. Strict on purpose: an unknown key is an
// error (with a "did you mean" hint), because a silently ignored typo in a measurement is
// a wrong number on a dashboard that nobody notices.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "rulefile/rule_spec.hpp"

namespace tapemeasure::rules {

// Parses one file's text; `file` is only used in positions and messages.
RuleFileSpec parse_rule_file(const std::string& file, std::string_view text, RuleErrors& errors);

// "30s", "15m", "2h", "1d" (a bare number is seconds) -> seconds; false if not a duration.
bool parse_duration(std::string_view text, double& seconds);

// Expands each PATH (a file, or a directory whose *.yml/*.yaml are taken in name order)
// and parses every file. Unreadable paths become errors, never exceptions.
std::vector<RuleFileSpec> load_rule_files(const std::vector<std::string>& paths, RuleErrors& errors);

// The files load_rule_files would read (used by reload to know what to watch).
std::vector<std::filesystem::path> expand_rule_paths(const std::vector<std::string>& paths,
                                                     RuleErrors& errors);

}  // namespace tapemeasure::rules
