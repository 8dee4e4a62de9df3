#include "rules/template.hpp"

#include <algorithm>
#include <charconv>

#include "rules/metric_value.hpp"

namespace tapemeasure::rules {
namespace {

// The whole text as an unsigned number in `base` (hex may start with 0x); false otherwise.
bool parse_unsigned(std::string_view s, int base, double& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (base == 16 && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty() || s.size() > 64) return false;
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  out = static_cast<double>(v);
  return true;
}

}  // namespace

std::string unknown_field_message(std::string_view name, const FieldNames& fields) {
  const std::string n(name);
  if (const auto dot = name.find('.'); dot != std::string_view::npos) {
    const std::string table(name.substr(0, dot));
    if (table == "line") return "${" + n + "}: the only field of 'line' is ${line.time}";
    return "${" + n + "}: this rule recalls no table '" + table + "' (add recall: {from: " + table +
           ", key: ...})";
  }
  return "template ${" + n + "} names no capture (available: " + fields.joined() + ")";
}

std::string split_filter(std::string_view ref, std::string_view& name, FieldFilter& filter) {
  filter = FieldFilter::none;
  const auto bar = ref.find('|');
  name = ref.substr(0, bar);
  if (bar == std::string_view::npos) return {};
  const std::string_view f = ref.substr(bar + 1);
  if (f == "lower") filter = FieldFilter::lower;
  else if (f == "upper") filter = FieldFilter::upper;
  else if (f == "hex") filter = FieldFilter::hex;
  else if (f == "octal") filter = FieldFilter::octal;
  else
    return "unknown filter '|" + std::string(f) + "' in ${" + std::string(ref) + "} (filters: lower, upper, hex, octal)";
  return {};
}

void append_filtered(FieldFilter filter, std::string_view text, std::string& out) {
  switch (filter) {
    case FieldFilter::none: out += text; return;
    case FieldFilter::lower:
      for (char c : text) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      return;
    case FieldFilter::upper:
      for (char c : text) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      return;
    case FieldFilter::hex:
    case FieldFilter::octal: {
      double v = 0;
      if (!filtered_number(filter, text, v)) return;
      char buf[32];
      const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
      if (ec == std::errc()) out.append(buf, p);
      return;
    }
  }
}

bool filtered_number(FieldFilter filter, std::string_view text, double& out) {
  switch (filter) {
    case FieldFilter::hex: return parse_unsigned(text, 16, out);
    case FieldFilter::octal: return parse_unsigned(text, 8, out);
    default: return parse_metric_value(text, out);
  }
}

int FieldNames::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

std::string FieldNames::joined() const {
  std::string out;
  for (const auto& n : names_) {
    if (!n.empty() && n[0] == '\x01') continue;  // internal (the syslog header's time)
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
    std::string_view name;
    FieldFilter filter = FieldFilter::none;
    if (auto err = split_filter(inner, name, filter); !err.empty()) return "template '" + source_ + "': " + err;
    const int index = fields.resolve(name);
    if (index < 0) return unknown_field_message(name, fields);
    flush();
    parts_.push_back({kind, index, std::move(arg), filter});
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
      case Kind::field: append_filtered(p.filter, values[p.field], out); break;
      case Kind::if_empty:
        if (values[p.field].empty()) out += p.text;
        else append_filtered(p.filter, values[p.field], out);
        break;
      case Kind::if_set:
        if (!values[p.field].empty()) out += p.text;
        break;
    }
  }
}

}  // namespace tapemeasure::rules
