#pragma once
// One `remember:` table: what earlier lines left for later ones, by key ("host/postfix/4F1A2B"
// -> the qmgr line's size and time). Bounded: at most `max_entries`; beyond it the oldest
// entry goes (counted by the caller). Entries expire in log time: once the newest log time
// seen passes an entry's time plus its lifetime, it is gone (a log that jumps back does not
// revive it).
//
// Laid out for the cache, as a busy Postfix keeps tens of thousands of messages in its
// queues and every message is looked up several times: entries live in one vector (key and
// text in one string), found through an open-addressing index of {32 bits of the key's hash,
// entry number} pairs, at most half full, so a lookup usually touches one index slot and
// one entry. The order entries were stored in (for eviction and expiry) is a list threaded
// through the entries by number. (With a std::unordered_map of std::string keys and a
// std::list beside it, its lookups were about 17% of the daemon's time with 100 browsers.)
//
// Memory per entry: about 100 bytes of bookkeeping (entry and index slots, with the
// vectors' slack), plus the key and stored text together where they pass 15 bytes.
// docs/rules.md states the bound users plan with.
//
// Not thread-safe: only the thread that applies lines in order touches it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tapemeasure::rules {

class MemoryTable {
 public:
  struct Entry {
    double time = 0;     // log time of the remembering line, seconds since the epoch
    double expires = 0;  // time + lifetime
    // The stored fields, packed (see pack() and field()).
    std::string_view fields() const { return std::string_view(data).substr(key_size); }
    std::string_view key() const { return std::string_view(data).substr(0, key_size); }

    std::string data;  // the key, then the packed fields
    std::uint32_t key_size = 0;
    std::uint32_t hash = 0;  // low 32 bits of the key's hash
    std::uint32_t older = kNone, newer = kNone;  // the store order, by entry number
    bool live = false;
  };
  static constexpr std::uint32_t kNone = 0xffffffffu;

  explicit MemoryTable(std::size_t max_entries) : max_entries_(max_entries) {}

  // Stores `fields` (already packed) under `key`, replacing an entry of that key (which
  // then counts as the newest). The clock is advance()'s alone: call it first. Returns how
  // many entries were evicted to make room (0 or 1).
  std::size_t put(std::string_view key, double time, double lifetime, std::string_view fields);
  // The entry for `key`, or null when there is none or it has expired (then it is removed).
  // Valid until the table is next changed.
  const Entry* find(std::string_view key);
  // Removes the entry for `key`, if any.
  void erase(std::string_view key);
  // The newest log time seen: entries older than their lifetime expire. Drops expired entries
  // from the oldest end (all of them when every entry has the same lifetime).
  void advance(double log_time);
  double newest() const { return newest_; }

  std::size_t size() const { return size_; }
  void set_max_entries(std::size_t n);
  // An estimate of the heap bytes held (for tests and docs of the bound).
  std::size_t bytes() const;

  // Packing helpers: append one field, and read one back ("" when absent).
  static void pack(std::string& out, std::string_view name, std::string_view value);
  static bool field(std::string_view packed, std::string_view name, std::string_view& value);

 private:
  static std::uint32_t hash_of(std::string_view key);
  // The index slot holding entry `e`, or of `key` (with its hash), or the empty slot where it
  // would go; slots_.size() when there is no index yet.
  std::size_t slot_of_entry(std::uint32_t e) const;
  std::size_t slot_of_key(std::string_view key, std::uint32_t hash) const;
  void remove(std::uint32_t e);  // from the index, the order and the entries
  void evict_oldest() { remove(oldest_); }
  void grow_index();
  void link_newest(std::uint32_t e);
  void unlink(std::uint32_t e);

  std::size_t max_entries_;
  double newest_ = -1e300;
  std::size_t size_ = 0;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_;  // numbers of dead entries, for reuse
  // Open addressing, linear probing, at most half full: each slot is (hash << 32) | (entry + 1),
  // 0 when empty. Removal shifts the following slots back (no tombstones).
  std::vector<std::uint64_t> slots_;
  std::uint32_t oldest_ = kNone, newest_entry_ = kNone;
};

}  // namespace tapemeasure::rules
