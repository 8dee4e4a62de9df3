#pragma once
// One `remember:` table: what earlier lines left for later ones, by key ("host/postfix/4F1A2B"
// -> the qmgr line's size and time). Bounded: at most `max_entries`; beyond it the oldest
// entry goes (counted by the caller). Entries expire in log time: once the newest log time
// seen passes an entry's time plus its lifetime, it is gone (a log that jumps back does not
// revive it).
//
// Memory per entry: about 150 bytes of bookkeeping (250 with malloc's own), plus the key
// and the stored text where either is longer than 15 bytes (std::string keeps shorter ones
// inline). docs/rules.md states the bound users plan with.
//
// Not thread-safe: only the thread that applies lines in order touches it.
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tapemeasure::rules {

class MemoryTable {
 public:
  // The order entries were stored in, with their expiry: the sweep reads it without a lookup.
  struct Order {
    const std::string* key;  // points into map_'s node
    double expires;
  };
  struct Entry {
    double time = 0;      // log time of the remembering line, seconds since the epoch
    double expires = 0;   // time + lifetime
    std::string fields;   // packed name/value pairs (see pack() and field())
    std::list<Order>::iterator order;
  };

  explicit MemoryTable(std::size_t max_entries) : max_entries_(max_entries) {}

  // Stores `fields` (already packed) under `key`, replacing an entry of that key (which
  // then counts as the newest). The clock is advance()'s alone: call it first. Returns how many entries were evicted to make room (0 or 1).
  std::size_t put(std::string_view key, double time, double lifetime, std::string fields);
  // The entry for `key`, or null when there is none or it has expired (then it is removed).
  const Entry* find(std::string_view key);
  // Removes the entry for `key`, if any.
  void erase(std::string_view key);
  // The newest log time seen: entries older than their lifetime expire. Drops expired entries
  // from the oldest end (all of them when every entry has the same lifetime).
  void advance(double log_time);
  double newest() const { return newest_; }

  std::size_t size() const { return map_.size(); }
  void set_max_entries(std::size_t n);
  // An estimate of the heap bytes held (for tests and docs of the bound).
  std::size_t bytes() const;

  // Packing helpers: append one field, and read one back ("" when absent).
  static void pack(std::string& out, std::string_view name, std::string_view value);
  static bool field(const std::string& packed, std::string_view name, std::string_view& value);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void evict_oldest();

  std::size_t max_entries_;
  double newest_ = -1e300;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> map_;
  std::list<Order> order_;  // oldest first
};

}  // namespace tapemeasure::rules
