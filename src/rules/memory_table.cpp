#include "rules/memory_table.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace tapemeasure::rules {
namespace {

std::size_t heap_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

constexpr std::uint32_t slot_hash(std::uint64_t slot) { return static_cast<std::uint32_t>(slot >> 32); }
constexpr std::uint32_t slot_entry(std::uint64_t slot) { return static_cast<std::uint32_t>(slot) - 1; }
constexpr std::uint64_t make_slot(std::uint32_t hash, std::uint32_t e) {
  return (static_cast<std::uint64_t>(hash) << 32) | (static_cast<std::uint64_t>(e) + 1);
}

}  // namespace

std::uint32_t MemoryTable::hash_of(std::string_view key) {
  return static_cast<std::uint32_t>(std::hash<std::string_view>{}(key));
}

std::size_t MemoryTable::slot_of_key(std::string_view key, std::uint32_t hash) const {
  if (slots_.empty()) return 0;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const std::uint64_t s = slots_[i];
    if (s == 0) return i;
    if (slot_hash(s) == hash && entries_[slot_entry(s)].key() == key) return i;
  }
}

std::size_t MemoryTable::slot_of_entry(std::uint32_t e) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = entries_[e].hash & mask;; i = (i + 1) & mask)
    if (slots_[i] != 0 && slot_entry(slots_[i]) == e) return i;
}

void MemoryTable::grow_index() {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(std::max<std::size_t>(16, old.size() * 2), 0);
  const std::size_t mask = slots_.size() - 1;
  for (const std::uint64_t s : old) {
    if (s == 0) continue;
    std::size_t i = slot_hash(s) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void MemoryTable::link_newest(std::uint32_t e) {
  entries_[e].older = newest_entry_;
  entries_[e].newer = kNone;
  if (newest_entry_ != kNone) entries_[newest_entry_].newer = e;
  else oldest_ = e;
  newest_entry_ = e;
}

void MemoryTable::unlink(std::uint32_t e) {
  Entry& x = entries_[e];
  if (x.older != kNone) entries_[x.older].newer = x.newer;
  else oldest_ = x.newer;
  if (x.newer != kNone) entries_[x.newer].older = x.older;
  else newest_entry_ = x.older;
  x.older = x.newer = kNone;
}

void MemoryTable::remove(std::uint32_t e) {
  // Out of the index: empty its slot, then move back each following slot that may not stay
  // where it is (its home is not cyclically within (hole, it]), so probes never meet a gap.
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = slot_of_entry(e);
  slots_[hole] = 0;
  for (std::size_t j = (hole + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = slot_hash(slots_[j]) & mask;
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    slots_[hole] = slots_[j];
    slots_[j] = 0;
    hole = j;
  }
  unlink(e);
  Entry& x = entries_[e];
  x.live = false;
  x.data.clear();
  x.data.shrink_to_fit();  // a departed entry's text is not kept
  free_.push_back(e);
  --size_;
}

std::size_t MemoryTable::put(std::string_view key, double time, double lifetime, std::string_view fields) {
  const std::uint32_t hash = hash_of(key);
  if (!slots_.empty()) {
    const std::size_t i = slot_of_key(key, hash);
    if (slots_[i] != 0) {
      const std::uint32_t e = slot_entry(slots_[i]);
      Entry& x = entries_[e];
      x.time = time;
      x.expires = time + lifetime;
      x.data.resize(x.key_size);
      x.data.append(fields);
      unlink(e);
      link_newest(e);  // now the newest
      return 0;
    }
  }
  std::size_t evicted = 0;
  while (size_ > 0 && size_ >= max_entries_) {
    evict_oldest();
    ++evicted;
  }
  if (max_entries_ == 0) return evicted;
  if ((size_ + 1) * 2 > slots_.size()) grow_index();
  std::uint32_t e;
  if (!free_.empty()) {
    e = free_.back();
    free_.pop_back();
  } else {
    e = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& x = entries_[e];
  x.time = time;
  x.expires = time + lifetime;
  x.data.reserve(key.size() + fields.size());  // one block of the size needed
  x.data.assign(key);
  x.data.append(fields);
  x.key_size = static_cast<std::uint32_t>(key.size());
  x.hash = hash;
  x.live = true;
  slots_[slot_of_key(key, hash)] = make_slot(hash, e);
  link_newest(e);
  ++size_;
  return evicted;
}

const MemoryTable::Entry* MemoryTable::find(std::string_view key) {
  if (slots_.empty()) return nullptr;
  const std::size_t i = slot_of_key(key, hash_of(key));
  if (slots_[i] == 0) return nullptr;
  const std::uint32_t e = slot_entry(slots_[i]);
  if (entries_[e].expires < newest_) {
    remove(e);
    return nullptr;
  }
  return &entries_[e];
}

void MemoryTable::erase(std::string_view key) {
  if (slots_.empty()) return;
  const std::size_t i = slot_of_key(key, hash_of(key));
  if (slots_[i] != 0) remove(slot_entry(slots_[i]));
}

void MemoryTable::advance(double log_time) {
  if (log_time > newest_) newest_ = log_time;
  // Entries are in the order they were stored; with one lifetime per table (the usual case)
  // that is also the order they expire in. An entry with a longer lifetime ahead of shorter
  // ones only delays their sweep: find() never returns an expired entry.
  while (oldest_ != kNone && entries_[oldest_].expires < newest_) remove(oldest_);
}

void MemoryTable::set_max_entries(std::size_t n) {
  max_entries_ = n;
  while (size_ > max_entries_) evict_oldest();
}

std::size_t MemoryTable::bytes() const {
  std::size_t total = entries_.capacity() * sizeof(Entry) + free_.capacity() * sizeof(std::uint32_t) +
                      slots_.capacity() * sizeof(std::uint64_t);
  for (const auto& e : entries_) total += heap_bytes(e.data);
  return total;
}

// Length-prefixed, so that any byte (a NUL in a log line included) round-trips:
// [name length: 1 byte][name][value length: 4 bytes][value].
void MemoryTable::pack(std::string& out, std::string_view name, std::string_view value) {
  name = name.substr(0, 255);
  const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(value.size(), 0xffffffffu));
  out += static_cast<char>(name.size());
  out += name;
  char len[4];
  std::memcpy(len, &n, 4);
  out.append(len, 4);
  out += value.substr(0, n);
}

bool MemoryTable::field(std::string_view packed, std::string_view name, std::string_view& value) {
  std::string_view rest = packed;
  while (!rest.empty()) {
    const std::size_t name_len = static_cast<unsigned char>(rest[0]);
    if (rest.size() < 1 + name_len + 4) return false;
    const std::string_view n = rest.substr(1, name_len);
    std::uint32_t value_len = 0;
    std::memcpy(&value_len, rest.data() + 1 + name_len, 4);
    rest.remove_prefix(1 + name_len + 4);
    if (rest.size() < value_len) return false;
    if (n == name) {
      value = rest.substr(0, value_len);
      return true;
    }
    rest.remove_prefix(value_len);
  }
  return false;
}

}  // namespace tapemeasure::rules
