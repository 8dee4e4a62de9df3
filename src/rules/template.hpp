#pragma once
// Field templates such as '${host}${instance:+/}${instance}', used for event fields, metric
// labels and metric values. Compiled once against the names a rule provides, so expanding
// one is a walk over a few parts with no lookups and no allocation beyond `out`.
//
//   ${name}          the field's value (empty when its group did not take part)
//   ${name:-text}    `text` when the field is empty
//   ${name:+text}    `text` when the field is non-empty, else nothing
//   $$               a literal '$'
//   ${name|lower}    a filter on the field's text: lower, upper (ASCII case), hex, octal (the
//                    number a hexadecimal or octal field holds, written in decimal; empty when
//                    it holds none). Filters combine with the forms above: ${name|lower:-x}.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::rules {

enum class FieldFilter : std::uint8_t { none, lower, upper, hex, octal };

// Splits "name|filter" into its parts; returns "" or an error message (unknown filter).
std::string split_filter(std::string_view ref, std::string_view& name, FieldFilter& filter);
// "template ${x} names no capture (available: ...)", or what a dotted name lacks.
class FieldNames;
std::string unknown_field_message(std::string_view name, const FieldNames& fields);
// The filtered text of a field, appended to `out`.
void append_filtered(FieldFilter filter, std::string_view text, std::string& out);
// The number a field holds after its filter (hex/octal: that base, else a finite decimal);
// false when it holds none.
bool filtered_number(FieldFilter filter, std::string_view text, double& out);

// The names a template may reference, in the order their values are passed to expand().
class FieldNames {
 public:
  void add(std::string name) { names_.push_back(std::move(name)); }
  int index_of(std::string_view name) const;  // -1 when absent
  // index_of, or else `extend` (when set) may add the name: recalled fields such as
  // ${queue.size} become fields of a rule as its templates name them.
  int resolve(std::string_view name) const {
    const int i = index_of(name);
    return i >= 0 || !extend ? i : extend(name);
  }
  std::function<int(std::string_view)> extend;
  const std::vector<std::string>& names() const { return names_; }
  std::size_t size() const { return names_.size(); }
  std::string joined() const;  // "a, b, c" for error messages

 private:
  std::vector<std::string> names_;
};

class Template {
 public:
  // Returns an empty string on success, else an error message naming the problem.
  std::string compile(std::string_view text, const FieldNames& fields);

  void expand(std::span<const std::string_view> values, std::string& out) const;
  std::string expand(std::span<const std::string_view> values) const {
    std::string out;
    expand(values, out);
    return out;
  }

  const std::string& source() const { return source_; }
  // The highest field index referenced, or -1: lets the engine skip unused captures.
  int max_field() const { return max_field_; }
  // Calls f(index) for every field the template reads.
  void for_each_field(const std::function<void(int)>& f) const {
    for (const auto& p : parts_)
      if (p.field >= 0) f(p.field);
  }

 private:
  enum class Kind { literal, field, if_empty, if_set };
  struct Part {
    Kind kind;
    int field = -1;
    std::string text;
    FieldFilter filter = FieldFilter::none;
  };
  std::string source_;
  std::vector<Part> parts_;
  int max_field_ = -1;
};

}  // namespace tapemeasure::rules
