#include "rules/memory_table.hpp"

#include <algorithm>
#include <cstring>

namespace tapemeasure::rules {
namespace {

std::size_t heap_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

}  // namespace

std::size_t MemoryTable::put(std::string_view key, double time, double lifetime, std::string fields) {
  if (auto it = map_.find(key); it != map_.end()) {
    Entry& e = it->second;
    e.time = time;
    e.expires = time + lifetime;
    e.fields = std::move(fields);
    e.order->expires = e.expires;
    order_.splice(order_.end(), order_, e.order);  // now the newest
    return 0;
  }
  std::size_t evicted = 0;
  while (!map_.empty() && map_.size() >= max_entries_) {
    evict_oldest();
    ++evicted;
  }
  if (max_entries_ == 0) return evicted;
  auto [it, fresh] = map_.try_emplace(std::string(key));
  Entry& e = it->second;
  e.time = time;
  e.expires = time + lifetime;
  e.fields = std::move(fields);
  e.order = order_.insert(order_.end(), Order{&it->first, e.expires});
  return evicted;
}

const MemoryTable::Entry* MemoryTable::find(std::string_view key) {
  const auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  if (it->second.expires < newest_) {
    order_.erase(it->second.order);
    map_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void MemoryTable::erase(std::string_view key) {
  const auto it = map_.find(key);
  if (it == map_.end()) return;
  order_.erase(it->second.order);
  map_.erase(it);
}

void MemoryTable::advance(double log_time) {
  if (log_time > newest_) newest_ = log_time;
  // Entries are in the order they were stored; with one lifetime per table (the usual case)
  // that is also the order they expire in. An entry with a longer lifetime ahead of shorter
  // ones only delays their sweep: find() never returns an expired entry.
  while (!order_.empty() && order_.front().expires < newest_) {
    const auto it = map_.find(*order_.front().key);
    order_.pop_front();
    map_.erase(it);
  }
}

void MemoryTable::set_max_entries(std::size_t n) {
  max_entries_ = n;
  while (map_.size() > max_entries_) evict_oldest();
}

void MemoryTable::evict_oldest() {
  const auto it = map_.find(*order_.front().key);
  order_.pop_front();
  map_.erase(it);
}

std::size_t MemoryTable::bytes() const {
  // Per entry: the hash node (next pointer, cached hash, key and Entry) and the order list's
  // node (two links and the key pointer); per bucket one pointer.
  constexpr std::size_t kNode = 2 * sizeof(void*) + sizeof(std::string) + sizeof(Entry);
  constexpr std::size_t kListNode = 2 * sizeof(void*) + sizeof(Order);
  std::size_t total = map_.bucket_count() * sizeof(void*);
  for (const auto& [key, e] : map_) total += kNode + kListNode + heap_bytes(key) + heap_bytes(e.fields);
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

bool MemoryTable::field(const std::string& packed, std::string_view name, std::string_view& value) {
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
