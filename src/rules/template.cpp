#include "rules/template.hpp"

namespace tapemeasure::rules {

int FieldNames::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

std::string FieldNames::joined() const {
  std::string out;
  for (const auto& n : names_) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "none" : out;
}

std::string Template::compile(std::string_view text, const FieldNames& fields) {
  source_ = std::string(text);
  parts_.clear();
  max_field_ = -1;
  std::string literal;
  const auto flush = [&] {
    if (!literal.empty()) parts_.push_back({Kind::literal, -1, std::move(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '$') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      literal += '$';
      ++i;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{')
      return "template '" + source_ + "': '$' must start ${name} (write $$ for a literal $)";
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos)
      return "template '" + source_ + "': unclosed ${";
    std::string_view inner = text.substr(i + 2, close - i - 2);
    Kind kind = Kind::field;
    std::string arg;
    if (const auto colon = inner.find(':'); colon != std::string_view::npos) {
      const std::string_view op = inner.substr(colon, 2);
      if (op == ":-") kind = Kind::if_empty;
      else if (op == ":+") kind = Kind::if_set;
      else
        return "template '" + source_ + "': unknown operator in ${" + std::string(inner) +
               "} (use ${name}, ${name:-default} or ${name:+text})";
      arg = std::string(inner.substr(colon + 2));
      inner = inner.substr(0, colon);
    }
    const int index = fields.index_of(inner);
    if (index < 0)
      return "template ${" + std::string(inner) + "} names no capture (available: " +
             fields.joined() + ")";
    flush();
    parts_.push_back({kind, index, std::move(arg)});
    max_field_ = std::max(max_field_, index);
    i = close;
  }
  flush();
  return {};
}

void Template::expand(std::span<const std::string_view> values, std::string& out) const {
  for (const auto& p : parts_) {
    switch (p.kind) {
      case Kind::literal: out += p.text; break;
      case Kind::field: out += values[p.field]; break;
      case Kind::if_empty:
        if (values[p.field].empty()) out += p.text;
        else out += values[p.field];
        break;
      case Kind::if_set:
        if (!values[p.field].empty()) out += p.text;
        break;
    }
  }
}

}  // namespace tapemeasure::rules
