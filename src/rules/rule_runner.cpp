#include "rules/rule_runner.hpp"

#include <charconv>
#include <cmath>

#include "rules/log_time.hpp"

namespace tapemeasure::rules {
namespace {

void write_number(double v, std::string& out) {
  char buf[32];
  const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.assign(buf, ec == std::errc() ? p : buf);
}

}  // namespace

double RuleRunner::log_time(double arrival) {
  if (rule_->time_field < 0) return arrival;
  const std::string_view text = values_[static_cast<std::size_t>(rule_->time_field)];
  if (text.empty()) return arrival;
  const bool syslog = rule_->time_source == TimeSource::syslog_header;
  const TimeLayout* layout = syslog ? nullptr : rule_->time_layout.get();
  // The arrival time only matters for a year the text does not write (the year nearest to
  // it), which an hour does not change.
  if (text == cached_text_ && std::fabs(arrival - cached_arrival_) < 3600 && layout == cached_layout_.get())
    return cached_time_;
  double t = 0;
  const bool ok = syslog ? parse_syslog_time(text, arrival, t) : layout->parse(text, arrival, t);
  if (!ok) return arrival;
  if (layout != cached_layout_.get()) cached_layout_ = syslog ? nullptr : rule_->time_layout;
  cached_text_.assign(text);
  cached_arrival_ = arrival;
  cached_time_ = t;
  return t;
}

bool RuleRunner::begin(const RuleMatch& m, double arrival) {
  rule_ = &m.rule;
  index_ = m.index;
  text_ = m.text;
  complete_ = m.complete;
  missed_ = 0;
  values_.assign(m.rule.fields.size(), std::string_view());
  std::copy(m.fields.begin(), m.fields.end(), values_.begin());
  const bool timed = !m.rule.recalls.empty() || !m.rule.remembers.empty() || m.rule.line_time_field >= 0;
  time_ = timed ? log_time(arrival) : arrival;
  // The clock that expires entries: the newest log time seen, but never more than a day
  // ahead of the arrival time, so that one line from a host whose clock is years ahead
  // cannot expire every table.
  if (timed) clock_ = std::max(clock_, std::min(time_, arrival + kMaxAheadOfArrival));

  const std::size_t n = m.rule.recalls.size();
  if (recall_keys_.size() < n) recall_keys_.resize(n), numbers_.resize(n), recalled_.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    const CompiledRecall& cr = m.rule.recalls[r];
    std::string& key = recall_keys_[r];
    key.clear();
    cr.key.expand(values_, key);
    MemoryTable* table = static_cast<std::size_t>(cr.table) < tables_.size() ? tables_[static_cast<std::size_t>(cr.table)] : nullptr;
    const MemoryTable::Entry* entry = nullptr;
    if (table) {
      table->advance(clock_);
      entry = table->find(key);
    }
    if (!entry) {
      missed_ |= std::uint32_t{1} << r;
      continue;
    }
    recalled_[r].assign(entry->fields());
    for (const auto& [name, index] : cr.fields) {
      std::string_view v;
      values_[static_cast<std::size_t>(index)] = MemoryTable::field(recalled_[r], name, v) ? v : std::string_view("");
    }
    if (cr.elapsed_field >= 0) {
      write_number(time_ - entry->time, numbers_[r]);
      values_[static_cast<std::size_t>(cr.elapsed_field)] = numbers_[r];
    }
  }
  if (m.rule.line_time_field >= 0) {
    write_number(time_, line_time_);
    values_[static_cast<std::size_t>(m.rule.line_time_field)] = line_time_;
  }
  return !m.rule.has_when || m.rule.when.holds(values_);
}

void RuleRunner::finish(const std::function<void(int table)>& evicted) {
  const CompiledRule& rule = *rule_;
  const auto table_of = [&](int t) {
    return static_cast<std::size_t>(t) < tables_.size() ? tables_[static_cast<std::size_t>(t)] : nullptr;
  };
  for (std::size_t r = 0; r < rule.recalls.size(); ++r)
    if (rule.recalls[r].forget && !(missed_ & (std::uint32_t{1} << r)))
      if (MemoryTable* t = table_of(rule.recalls[r].table)) t->erase(recall_keys_[r]);
  for (const auto& f : rule.forgets) {
    key_.clear();
    f.key.expand(values_, key_);
    if (MemoryTable* t = table_of(f.table)) t->erase(key_);
  }
  for (const auto& rem : rule.remembers) {
    MemoryTable* t = table_of(rem.table);
    if (!t) continue;
    key_.clear();
    rem.key.expand(values_, key_);
    packed_.clear();
    for (const auto& st : rem.stored) {
      if (st.event_field >= 0) {
        stored_.clear();
        rule.event_fields[static_cast<std::size_t>(st.event_field)].second.expand(values_, stored_);
        MemoryTable::pack(packed_, st.name, stored_);
      } else {
        MemoryTable::pack(packed_, st.name, values_[static_cast<std::size_t>(st.field)]);
      }
    }
    // The newest time first, so that the put cannot store what is already expired.
    t->advance(clock_);
    for (std::size_t n = t->put(key_, time_, rem.lifetime, packed_); n > 0; --n) evicted(rem.table);
  }
}

}  // namespace tapemeasure::rules
