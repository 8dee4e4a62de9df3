#pragma once
// Field templates such as '${host}${instance:+/}${instance}', used for event fields, metric
// labels and metric values. Compiled once against the names a rule provides, so expanding
// one is a walk over a few parts with no lookups and no allocation beyond `out`.
//
//   ${name}          the field's value (empty when its group did not take part)
//   ${name:-text}    `text` when the field is empty
//   ${name:+text}    `text` when the field is non-empty, else nothing
//   $$               a literal '$'
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::rules {

// The names a template may reference, in the order their values are passed to expand().
class FieldNames {
 public:
  void add(std::string name) { names_.push_back(std::move(name)); }
  int index_of(std::string_view name) const;  // -1 when absent
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

 private:
  enum class Kind { literal, field, if_empty, if_set };
  struct Part {
    Kind kind;
    int field = -1;
    std::string text;
  };
  std::string source_;
  std::vector<Part> parts_;
  int max_field_ = -1;
};

}  // namespace tapemeasure::rules
