#pragma once
// Expressions in rule files: `when:` conditions and the arithmetic of a metric's
// value/set/add.
//
//   when:  "${status} >= 500 and ${method} != 'HEAD'"
//   value: '${total} - ${body}'
//   value: 'bits(${status|hex}, 8, 4)'
//
// Grammar (lowest precedence first):
//   or  := and ('or' and)*
//   and := not ('and' not)*
//   not := 'not' not | cmp
//   cmp := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)?
//   sum := prod (('+'|'-') prod)*
//   prod:= unary (('*'|'/'|'%') unary)*
//   unary := '-' unary | atom
//   atom  := NUMBER | 'text' | "text" | ${field|filter} | FUNC '(' or (',' or)* ')' | '(' or ')'
//   FUNC  := min | max | bits
//
// The expression's source is parsed once, when the rule file loads; at run time a field
// only ever supplies a value (its text, or the number it holds), so captured text can never
// become part of an expression. Types are checked at load: `and` wants conditions, `+`
// wants numbers, a text is compared only with a field or a text.
//
// Comparing a field with a quoted text compares text; with a number (or arithmetic), numbers;
// two fields compare as numbers when both hold one, else as text. A field that is empty or
// not a number makes a numeric comparison false and an arithmetic result "no number" (the
// metric is then refused and counted, as a bad captured value is).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/template.hpp"

namespace tapemeasure::rules {

class Expression {
 public:
  enum class Want { number, condition };

  // Returns "" on success, else an error message (with the position in the expression).
  std::string compile(std::string_view text, const FieldNames& fields, Want want);

  // A number: false when there is none (a field empty or not a number, division by zero,
  // a result that is not finite).
  bool number(std::span<const std::string_view> values, double& out) const;
  // A condition.
  bool holds(std::span<const std::string_view> values) const;

  const std::string& source() const { return source_; }
  // Field indices the expression reads (sorted, unique).
  const std::vector<int>& fields_used() const { return fields_used_; }
  // True when no field is read (the value is the same for every line).
  bool constant() const { return fields_used_.empty(); }
  // Just one field, no filter, no arithmetic: `value: '${x}'` (the common case, kept as
  // fast as before expressions existed).
  int plain_field() const { return plain_field_; }

  // Limits that keep a hostile rule file from exhausting the stack or time at load.
  static constexpr std::size_t kMaxLength = 4096;
  static constexpr int kMaxDepth = 64;

  enum class Op : std::uint8_t {
    number, text, field,                     // push
    neg, add, sub, mul, div, mod,            // numbers
    min, max, bits,                          // functions
    eq, ne, lt, le, gt, ge,                  // comparisons (the kind is in Node::cmp)
    and_, or_, not_,                         // conditions
  };
  enum class Cmp : std::uint8_t { numbers, texts, fields };
  struct Node {
    Op op;
    Cmp cmp = Cmp::numbers;
    FieldFilter filter = FieldFilter::none;
    int field = -1;
    double number = 0;
    std::string text;
  };

 private:
  std::string source_;
  std::vector<Node> code_;  // postfix order
  std::vector<int> fields_used_;
  int plain_field_ = -1;
};

}  // namespace tapemeasure::rules
