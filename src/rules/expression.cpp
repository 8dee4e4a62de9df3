#include "rules/expression.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "rules/metric_value.hpp"

namespace tapemeasure::rules {
namespace {

using Op = Expression::Op;
using Cmp = Expression::Cmp;
using Node = Expression::Node;

// What an operand is, known at load time.
enum class Type { number, text, field, condition };

const char* type_name(Type t) {
  switch (t) {
    case Type::number: return "a number";
    case Type::text: return "a quoted text";
    case Type::field: return "a field";
    case Type::condition: return "a condition";
  }
  return "?";
}

struct Token {
  enum Kind { end, number, quoted, field, word, op, open, close, comma } kind = end;
  std::string_view str;  // as written (op, word); the content (quoted, field)
  double value = 0;
  std::size_t at = 0;
};

Node node(Op op) {
  Node n;
  n.op = op;
  return n;
}

class Parser {
 public:
  Parser(std::string_view src, const FieldNames& fields, std::vector<Node>& code)
      : src_(src), fields_(fields), code_(code) {}

  std::string run(Expression::Want want) {
    if (src_.size() > Expression::kMaxLength)
      return "expression longer than " + std::to_string(Expression::kMaxLength) + " characters";
    next();
    Type t = Type::number;
    if (!parse_or(t)) return error_;
    if (tok_.kind != Token::end) return fail_at(tok_.at, "unexpected '" + std::string(tok_.str) + "'");
    if (want == Expression::Want::condition && t != Type::condition)
      return fail_at(0, std::string("a condition is needed (such as ${x} > 5), not ") + type_name(t));
    if (want == Expression::Want::number && t != Type::number && t != Type::field)
      return fail_at(0, std::string("a number is needed, not ") + type_name(t));
    return {};
  }

 private:
  std::string fail_at(std::size_t at, std::string msg) {
    if (error_.empty()) error_ = "expression '" + std::string(src_) + "' at " + std::to_string(at + 1) + ": " + msg;
    return error_;
  }
  bool fail(std::string msg) {
    fail_at(tok_.at, std::move(msg));
    return false;
  }

  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_word(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

  void next() {
    while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
    tok_ = Token{};
    tok_.at = pos_;
    if (pos_ >= src_.size()) return;
    const char c = src_[pos_];
    const std::string_view rest = src_.substr(pos_);
    if (rest.starts_with("${")) {
      const auto close = rest.find('}');
      if (close == std::string_view::npos) {
        bad_token("unclosed ${");
        return;
      }
      tok_.kind = Token::field;
      tok_.str = rest.substr(2, close - 2);
      pos_ += close + 1;
    } else if (is_digit(c) || (c == '.' && rest.size() > 1 && is_digit(rest[1]))) {
      double v = 0;
      const auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
      if (ec != std::errc() || !std::isfinite(v)) {
        bad_token("not a number");
        return;
      }
      tok_.kind = Token::number;
      tok_.value = v;
      tok_.str = rest.substr(0, static_cast<std::size_t>(p - rest.data()));
      pos_ += tok_.str.size();
    } else if (c == '\'' || c == '"') {
      const auto close = rest.find(c, 1);
      if (close == std::string_view::npos) {
        bad_token("unclosed quote");
        return;
      }
      tok_.kind = Token::quoted;
      tok_.str = rest.substr(1, close - 1);
      pos_ += close + 1;
    } else if (is_word(c)) {
      std::size_t n = 0;
      while (n < rest.size() && (is_word(rest[n]) || is_digit(rest[n]))) ++n;
      tok_.kind = Token::word;
      tok_.str = rest.substr(0, n);
      pos_ += n;
    } else if (c == '(' || c == ')' || c == ',') {
      tok_.kind = c == '(' ? Token::open : c == ')' ? Token::close : Token::comma;
      tok_.str = rest.substr(0, 1);
      ++pos_;
    } else {
      static constexpr std::string_view kOps[] = {"==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%"};
      for (auto op : kOps)
        if (rest.starts_with(op)) {
          tok_.kind = Token::op;
          tok_.str = op;
          pos_ += op.size();
          return;
        }
      bad_token(c == '$' ? "'$' must start ${name}" : "unexpected character '" + std::string(1, c) + "'");
    }
  }

  void bad_token(std::string msg) {
    fail_at(pos_, std::move(msg));
    tok_.kind = Token::end;
    pos_ = src_.size();
  }

  bool is_op(std::string_view op) const { return tok_.kind == Token::op && tok_.str == op; }
  bool is_word(std::string_view w) const { return tok_.kind == Token::word && tok_.str == w; }

  bool enter() {
    if (++depth_ > Expression::kMaxDepth) return fail("nested deeper than " + std::to_string(Expression::kMaxDepth));
    return true;
  }

  bool want_condition(Type t, std::string_view op) {
    if (t == Type::condition) return true;
    return fail("'" + std::string(op) + "' joins conditions (such as ${x} > 5), not " + type_name(t));
  }
  bool want_number(Type t, std::string_view op) {
    if (t == Type::number || t == Type::field) return true;
    return fail("'" + std::string(op) + "' works on numbers, not " + type_name(t));
  }

  bool parse_or(Type& t) {
    if (!enter()) return false;
    if (!parse_and(t)) return false;
    while (is_word("or")) {
      if (!want_condition(t, "or")) return false;
      next();
      Type r{};
      if (!parse_and(r) || !want_condition(r, "or")) return false;
      code_.push_back(node(Op::or_));
    }
    --depth_;
    return error_.empty();
  }

  bool parse_and(Type& t) {
    if (!parse_not(t)) return false;
    while (is_word("and")) {
      if (!want_condition(t, "and")) return false;
      next();
      Type r{};
      if (!parse_not(r) || !want_condition(r, "and")) return false;
      code_.push_back(node(Op::and_));
    }
    return error_.empty();
  }

  bool parse_not(Type& t) {
    if (is_word("not")) {
      if (!enter()) return false;
      next();
      if (!parse_not(t) || !want_condition(t, "not")) return false;
      code_.push_back(node(Op::not_));
      --depth_;
      return true;
    }
    return parse_cmp(t);
  }

  bool parse_cmp(Type& t) {
    if (!parse_sum(t)) return false;
    static constexpr std::pair<std::string_view, Op> kCmps[] = {
        {"==", Op::eq}, {"!=", Op::ne}, {"<", Op::lt}, {"<=", Op::le}, {">", Op::gt}, {">=", Op::ge}};
    for (auto [text, op] : kCmps) {
      if (!is_op(text)) continue;
      const std::size_t at = tok_.at;
      next();
      Type r{};
      if (!parse_sum(r)) return false;
      Node n = node(op);
      if (t == Type::condition || r == Type::condition) {
        fail_at(at, "'" + std::string(text) + "' compares values, not conditions");
        return false;
      }
      const bool texts = t == Type::text || r == Type::text;
      const bool numbers = t == Type::number || r == Type::number;
      if (texts && numbers) {
        fail_at(at, "'" + std::string(text) + "' compares a quoted text with a number");
        return false;
      }
      n.cmp = texts ? Cmp::texts : numbers ? Cmp::numbers : Cmp::fields;
      code_.push_back(std::move(n));
      t = Type::condition;
      if (tok_.kind == Token::op && (tok_.str == "==" || tok_.str == "!=" || tok_.str[0] == '<' || tok_.str[0] == '>'))
        return fail("comparisons do not chain: join them with 'and'");
      return true;
    }
    return true;
  }

  bool parse_sum(Type& t) {
    if (!parse_prod(t)) return false;
    while (is_op("+") || is_op("-")) {
      const std::string_view op = tok_.str;
      if (!want_number(t, op)) return false;
      next();
      Type r{};
      if (!parse_prod(r) || !want_number(r, op)) return false;
      code_.push_back(node(op == "+" ? Op::add : Op::sub));
      t = Type::number;
    }
    return true;
  }

  bool parse_prod(Type& t) {
    if (!parse_unary(t)) return false;
    while (is_op("*") || is_op("/") || is_op("%")) {
      const std::string_view op = tok_.str;
      if (!want_number(t, op)) return false;
      next();
      Type r{};
      if (!parse_unary(r) || !want_number(r, op)) return false;
      code_.push_back(node(op == "*" ? Op::mul : op == "/" ? Op::div : Op::mod));
      t = Type::number;
    }
    return true;
  }

  bool parse_unary(Type& t) {
    if (is_op("-")) {
      if (!enter()) return false;
      next();
      if (!parse_unary(t) || !want_number(t, "-")) return false;
      code_.push_back(node(Op::neg));
      t = Type::number;
      --depth_;
      return true;
    }
    return parse_atom(t);
  }

  bool parse_atom(Type& t) {
    if (!error_.empty()) return false;
    switch (tok_.kind) {
      case Token::number: {
        Node n = node(Op::number);
        n.number = tok_.value;
        code_.push_back(std::move(n));
        t = Type::number;
        next();
        return true;
      }
      case Token::quoted: {
        Node n = node(Op::text);
        n.text = std::string(tok_.str);
        code_.push_back(std::move(n));
        t = Type::text;
        next();
        return true;
      }
      case Token::field: {
        Node n = node(Op::field);
        std::string_view name;
        if (auto err = split_filter(tok_.str, name, n.filter); !err.empty()) return fail(err);
        n.field = fields_.resolve(name);
        if (n.field < 0) {
          std::string msg = unknown_field_message(name, fields_);
          if (msg.starts_with("template ")) msg.erase(0, 9);
          return fail(msg);
        }
        // hex and octal read a number; lower and upper give text (which still compares as a
        // number when it holds one).
        t = n.filter == FieldFilter::hex || n.filter == FieldFilter::octal ? Type::number : Type::field;
        code_.push_back(std::move(n));
        next();
        return true;
      }
      case Token::open: {
        next();
        if (!parse_or(t)) return false;
        if (tok_.kind != Token::close) return fail("missing ')'");
        next();
        return true;
      }
      case Token::word: return parse_call(t);
      case Token::end: return fail("expression ends where a value is expected");
      default: return fail("unexpected '" + std::string(tok_.str) + "' where a value is expected");
    }
  }

  bool parse_call(Type& t) {
    const std::string_view name = tok_.str;
    Op op{};
    std::size_t arity = 0;
    if (name == "min") op = Op::min, arity = 2;
    else if (name == "max") op = Op::max, arity = 2;
    else if (name == "bits") op = Op::bits, arity = 3;
    else if (name == "and" || name == "or" || name == "not")
      return fail("'" + std::string(name) + "' where a value is expected");
    else
      return fail("unknown word '" + std::string(name) +
                  "' (functions: min, max, bits; texts are quoted: '" + std::string(name) + "')");
    next();
    if (tok_.kind != Token::open) return fail("'" + std::string(name) + "' needs its arguments in parentheses");
    next();
    for (std::size_t i = 0; i < arity; ++i) {
      if (i > 0) {
        if (tok_.kind != Token::comma)
          return fail(std::string(name) + "() takes " + std::to_string(arity) + " arguments");
        next();
      }
      Type a{};
      if (!parse_or(a) || !want_number(a, std::string(name) + "()")) return false;
    }
    if (tok_.kind != Token::close)
      return fail(std::string(name) + "() takes " + std::to_string(arity) + " arguments");
    next();
    code_.push_back(node(op));
    t = Type::number;
    return true;
  }

  std::string_view src_;
  const FieldNames& fields_;
  std::vector<Node>& code_;
  std::size_t pos_ = 0;
  Token tok_;
  int depth_ = 0;
  std::string error_;
};

// One value on the evaluation stack.
struct Value {
  double number = 0;
  bool has_number = false;       // number is valid
  bool truth = false;            // conditions
  const Node* node = nullptr;    // texts and fields: where the text comes from
  std::string_view field_text;   // fields: the raw text
};

bool field_number(const Value& v, double& out) {
  if (v.has_number) {
    out = v.number;
    return true;
  }
  return false;
}

// The text a value compares as (a field after its filter, or a quoted text).
std::string_view text_of(const Value& v, std::string& buf) {
  if (v.node->op == Op::text) return v.node->text;
  if (v.node->filter == FieldFilter::none) return v.field_text;
  buf.clear();
  append_filtered(v.node->filter, v.field_text, buf);
  return buf;
}

bool compare(Op op, auto a, auto b) {
  switch (op) {
    case Op::eq: return a == b;
    case Op::ne: return a != b;
    case Op::lt: return a < b;
    case Op::le: return a <= b;
    case Op::gt: return a > b;
    case Op::ge: return a >= b;
    default: return false;
  }
}

constexpr std::size_t kStack = 32;

// Evaluates `code`; false if the stack would overflow (an expression of that shape is refused
// at compile, so this is a guard, not a path).
bool evaluate(const std::vector<Node>& code, std::span<const std::string_view> values, Value& result) {
  Value stack[kStack];
  std::size_t sp = 0;
  std::string buf_a, buf_b;
  for (const Node& n : code) {
    switch (n.op) {
      case Op::number:
        if (sp == kStack) return false;
        stack[sp++] = Value{n.number, true, false, &n, {}};
        continue;
      case Op::text:
        if (sp == kStack) return false;
        stack[sp++] = Value{0, false, false, &n, {}};
        continue;
      case Op::field: {
        if (sp == kStack) return false;
        Value v{0, false, false, &n, values[static_cast<std::size_t>(n.field)]};
        v.has_number = filtered_number(n.filter, v.field_text, v.number);
        stack[sp++] = v;
        continue;
      }
      case Op::neg:
        stack[sp - 1].number = -stack[sp - 1].number;
        stack[sp - 1].node = nullptr;
        continue;
      case Op::not_: stack[sp - 1].truth = !stack[sp - 1].truth; continue;
      default: break;
    }
    if (n.op == Op::bits) {
      const Value c = stack[--sp], b = stack[--sp];
      Value& a = stack[sp - 1];
      a.node = nullptr;
      const double shift = std::trunc(b.number), width = std::trunc(c.number);
      if (!a.has_number || !b.has_number || !c.has_number || a.number < 0 || a.number >= 18446744073709551616.0 ||
          shift < 0 || shift > 63 || width < 1 || width > 64) {
        a.has_number = false;
        continue;
      }
      const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << static_cast<int>(width)) - 1;
      a.number = static_cast<double>((static_cast<std::uint64_t>(a.number) >> static_cast<int>(shift)) & mask);
      continue;
    }
    const Value b = stack[--sp];
    Value& a = stack[sp - 1];
    switch (n.op) {
      case Op::and_: a.truth = a.truth && b.truth; break;
      case Op::or_: a.truth = a.truth || b.truth; break;
      case Op::add: case Op::sub: case Op::mul: case Op::div: case Op::mod: case Op::min: case Op::max: {
        a.node = nullptr;
        a.has_number = a.has_number && b.has_number;
        if (!a.has_number) break;
        switch (n.op) {
          case Op::add: a.number += b.number; break;
          case Op::sub: a.number -= b.number; break;
          case Op::mul: a.number *= b.number; break;
          case Op::div: a.number = b.number == 0 ? NAN : a.number / b.number; break;
          case Op::mod: a.number = b.number == 0 ? NAN : std::fmod(a.number, b.number); break;
          case Op::min: a.number = std::min(a.number, b.number); break;
          case Op::max: a.number = std::max(a.number, b.number); break;
          default: break;
        }
        a.has_number = std::isfinite(a.number);
        break;
      }
      default: {  // comparisons
        bool numeric = n.cmp == Cmp::numbers;
        if (n.cmp == Cmp::fields) numeric = a.has_number && b.has_number;
        if (numeric) {
          double x = 0, y = 0;
          a.truth = field_number(a, x) && field_number(b, y) && compare(n.op, x, y);
        } else {
          a.truth = compare(n.op, text_of(a, buf_a), text_of(b, buf_b));
        }
        a.node = nullptr;
        break;
      }
    }
  }
  if (sp != 1) return false;
  result = stack[0];
  return true;
}

// The deepest stack the code needs.
std::size_t stack_depth(const std::vector<Node>& code) {
  std::size_t sp = 0, most = 0;
  for (const Node& n : code) {
    switch (n.op) {
      case Op::number: case Op::text: case Op::field: ++sp; break;
      case Op::neg: case Op::not_: break;
      case Op::bits: sp -= 2; break;
      default: --sp; break;
    }
    most = std::max(most, sp);
  }
  return most;
}

}  // namespace

std::string Expression::compile(std::string_view text, const FieldNames& fields, Want want) {
  source_ = std::string(text);
  code_.clear();
  fields_used_.clear();
  plain_field_ = -1;
  Parser parser(source_, fields, code_);
  if (auto err = parser.run(want); !err.empty()) {
    code_.clear();
    return err;
  }
  if (stack_depth(code_) > kStack) {
    code_.clear();
    return "expression '" + source_ + "' is too complex (more than " + std::to_string(kStack) +
           " values pending at once)";
  }
  for (const Node& n : code_)
    if (n.field >= 0) fields_used_.push_back(n.field);
  std::sort(fields_used_.begin(), fields_used_.end());
  fields_used_.erase(std::unique(fields_used_.begin(), fields_used_.end()), fields_used_.end());
  if (code_.size() == 1 && code_[0].op == Op::field && code_[0].filter == FieldFilter::none)
    plain_field_ = code_[0].field;
  return {};
}

bool Expression::number(std::span<const std::string_view> values, double& out) const {
  if (plain_field_ >= 0) return parse_metric_value(values[static_cast<std::size_t>(plain_field_)], out);
  Value v;
  if (code_.empty() || !evaluate(code_, values, v) || !v.has_number) return false;
  out = v.number;
  return std::isfinite(out);
}

bool Expression::holds(std::span<const std::string_view> values) const {
  Value v;
  return !code_.empty() && evaluate(code_, values, v) && v.truth;
}

}  // namespace tapemeasure::rules
