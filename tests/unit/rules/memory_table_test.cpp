#include "rules/memory_table.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <list>
#include <map>
#include <random>
#include <memory>
#include <string>

namespace tapemeasure::rules {
namespace {

std::string packed(std::string_view name, std::string_view value) {
  std::string out;
  MemoryTable::pack(out, name, value);
  return out;
}

std::string field_of(const MemoryTable::Entry* e, std::string_view name) {
  if (e == nullptr) return "<no entry>";
  std::string_view v;
  if (!MemoryTable::field(e->fields(), name, v)) return "<no field>";
  return std::string(v);
}

TEST(MemoryTableTest, PutFindErase) {
  MemoryTable t(10);
  EXPECT_EQ(t.find("a"), nullptr);
  EXPECT_EQ(t.put("a", 100, 60, packed("size", "2048")), 0u);
  EXPECT_EQ(t.size(), 1u);
  const MemoryTable::Entry* e = t.find("a");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->time, 100);
  EXPECT_EQ(e->expires, 160);
  EXPECT_EQ(field_of(e, "size"), "2048");
  EXPECT_EQ(field_of(e, "other"), "<no field>");
  EXPECT_EQ(t.find("b"), nullptr);
  EXPECT_EQ(t.newest(), -1e300) << "only advance() moves the clock";

  // The same key replaces the entry.
  EXPECT_EQ(t.put("a", 110, 60, packed("size", "4096")), 0u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(field_of(t.find("a"), "size"), "4096");
  EXPECT_EQ(t.find("a")->time, 110);

  t.erase("a");
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.find("a"), nullptr);
  t.erase("a");  // erasing what is not there is fine
  t.erase("never");
  EXPECT_EQ(t.size(), 0u);
}

TEST(MemoryTableTest, EvictsTheOldestAtTheLimit) {
  MemoryTable t(3);
  EXPECT_EQ(t.put("a", 1, 1000, ""), 0u);
  EXPECT_EQ(t.put("b", 2, 1000, ""), 0u);
  EXPECT_EQ(t.put("c", 3, 1000, ""), 0u);
  EXPECT_EQ(t.put("d", 4, 1000, ""), 1u);  // a goes
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.find("a"), nullptr);
  EXPECT_NE(t.find("b"), nullptr);
  // Replacing b makes it the newest: c is the oldest now.
  EXPECT_EQ(t.put("b", 5, 1000, ""), 0u);
  EXPECT_EQ(t.put("e", 6, 1000, ""), 1u);
  EXPECT_EQ(t.find("c"), nullptr);
  EXPECT_NE(t.find("b"), nullptr);
  EXPECT_NE(t.find("d"), nullptr);
  EXPECT_NE(t.find("e"), nullptr);
  // Replacing at the limit evicts nothing.
  EXPECT_EQ(t.put("e", 7, 1000, ""), 0u);
  EXPECT_EQ(t.size(), 3u);
  // Erasing keeps the order of the rest: d is the oldest, then b.
  t.erase("d");
  EXPECT_EQ(t.put("f", 8, 1000, ""), 0u);
  EXPECT_EQ(t.put("g", 9, 1000, ""), 1u);
  EXPECT_EQ(t.find("b"), nullptr);
  EXPECT_NE(t.find("e"), nullptr);
}

TEST(MemoryTableTest, SetMaxEntriesShrinksFromTheOldest) {
  MemoryTable t(10);
  for (int i = 0; i < 10; ++i) t.put("k" + std::to_string(i), i, 1000, "");
  t.set_max_entries(4);
  EXPECT_EQ(t.size(), 4u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.find("k" + std::to_string(i)), nullptr) << i;
  for (int i = 6; i < 10; ++i) EXPECT_NE(t.find("k" + std::to_string(i)), nullptr) << i;
  EXPECT_EQ(t.put("new", 11, 1000, ""), 1u);
  EXPECT_EQ(t.find("k6"), nullptr);
  t.set_max_entries(100);  // growing keeps all
  EXPECT_EQ(t.size(), 4u);
  t.set_max_entries(0);    // no room at all
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.put("x", 12, 1000, ""), 0u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.find("x"), nullptr);
}

TEST(MemoryTableTest, ExpiresInLogTime) {
  MemoryTable t(100);
  t.put("short", 100, 10, "");
  t.put("long", 100, 1000, "");
  t.advance(110);  // exactly at its end: still there
  EXPECT_NE(t.find("short"), nullptr);
  t.advance(110.5);
  EXPECT_EQ(t.find("short"), nullptr);
  EXPECT_NE(t.find("long"), nullptr);
  // A log that jumps back does not revive it, nor make the newest time older.
  t.advance(50);
  EXPECT_EQ(t.newest(), 110.5);
  EXPECT_EQ(t.find("short"), nullptr);
  EXPECT_EQ(t.size(), 1u);
  // find() alone also drops an expired entry, even when advance() could not sweep it yet
  // (a long-lived entry stored before it).
  MemoryTable u(100);
  u.put("long", 0, 1000, "");
  u.put("short", 0, 5, "");
  u.advance(6);
  EXPECT_EQ(u.size(), 2u);  // the sweep stops at "long"
  EXPECT_EQ(u.find("short"), nullptr);
  EXPECT_EQ(u.size(), 1u);
  // Only advance() moves the clock (the runner's clock, shared by every table): a put with a
  // newer time does not.
  MemoryTable w(100);
  w.put("a", 100, 10, "");
  w.put("b", 200, 10, "");
  EXPECT_EQ(w.newest(), -1e300);
  EXPECT_NE(w.find("a"), nullptr);
  w.advance(200);
  EXPECT_EQ(w.find("a"), nullptr);
  EXPECT_NE(w.find("b"), nullptr);
  // advance() sweeps from the oldest end.
  MemoryTable v(100);
  for (int i = 0; i < 10; ++i) v.put("k" + std::to_string(i), i, 10, "");
  v.advance(15.5);  // k0..k5 have expired
  EXPECT_EQ(v.size(), 4u);
  EXPECT_NE(v.find("k6"), nullptr);
}

TEST(MemoryTableTest, ReplacingRenewsTheLifetime) {
  MemoryTable t(10);
  t.put("a", 0, 10, packed("n", "1"));
  t.advance(9);
  t.put("a", 9, 10, packed("n", "2"));
  t.advance(15);
  ASSERT_NE(t.find("a"), nullptr);
  EXPECT_EQ(field_of(t.find("a"), "n"), "2");
  t.advance(19.5);
  EXPECT_EQ(t.find("a"), nullptr);
}

TEST(MemoryTableTest, PackRoundTrip) {
  std::string p;
  MemoryTable::pack(p, "size", "2048");
  MemoryTable::pack(p, "empty", "");
  MemoryTable::pack(p, "nul", std::string_view("a\0b\0", 4));
  MemoryTable::pack(p, std::string_view("n\0x", 3), "named with a NUL");
  MemoryTable::pack(p, "", "no name");
  const std::string big(70000, 'x');  // longer than 64 KiB: a 4-byte length
  MemoryTable::pack(p, "big", big);
  MemoryTable::pack(p, "last", "z");
  std::string_view v;
  ASSERT_TRUE(MemoryTable::field(p, "size", v));
  EXPECT_EQ(v, "2048");
  ASSERT_TRUE(MemoryTable::field(p, "empty", v));
  EXPECT_EQ(v, "");
  ASSERT_TRUE(MemoryTable::field(p, "nul", v));
  EXPECT_EQ(v, std::string_view("a\0b\0", 4));
  ASSERT_TRUE(MemoryTable::field(p, std::string_view("n\0x", 3), v));
  EXPECT_EQ(v, "named with a NUL");
  ASSERT_TRUE(MemoryTable::field(p, "", v));
  EXPECT_EQ(v, "no name");
  ASSERT_TRUE(MemoryTable::field(p, "big", v));
  EXPECT_EQ(v, big);
  ASSERT_TRUE(MemoryTable::field(p, "last", v));
  EXPECT_EQ(v, "z");
  EXPECT_FALSE(MemoryTable::field(p, "n", v));
  EXPECT_FALSE(MemoryTable::field(p, "siz", v));
  EXPECT_FALSE(MemoryTable::field("", "size", v));
  // A truncated packing never reads past its end.
  for (std::size_t n = 0; n < 20; ++n) {
    const std::string cut = p.substr(0, n);
    MemoryTable::field(cut, "empty", v);
    MemoryTable::field(cut, "zzz", v);
  }
  // Entries keep the packed text as given, NULs included.
  MemoryTable t(4);
  t.put(std::string_view("k\0ey", 4), 1, 10, p);
  ASSERT_NE(t.find(std::string_view("k\0ey", 4)), nullptr);
  EXPECT_EQ(t.find("k"), nullptr);
  EXPECT_EQ(field_of(t.find(std::string_view("k\0ey", 4)), "nul"), std::string("a\0b\0", 4));
  // A name longer than 255 bytes is cut to 255.
  std::string q;
  MemoryTable::pack(q, std::string(300, 'n'), "v");
  ASSERT_TRUE(MemoryTable::field(q, std::string(255, 'n'), v));
  EXPECT_EQ(v, "v");
}

// Against the obvious model (a map and a list in store order), through many random puts,
// finds, erases and clock moves on a few hundred keys: the open-addressing index's removals
// (slots shifted back) and growth, eviction at the limit and expiry must agree with it.
TEST(MemoryTableTest, AgreesWithAMapAndAListUnderRandomUse) {
  struct Model {
    std::map<std::string, std::pair<double, std::string>> entries;  // key -> (expires, fields)
    std::list<std::string> order;                                    // oldest first
    void remove(const std::string& k) {
      entries.erase(k);
      order.remove(k);
    }
  };
  std::mt19937 rng(20261206);
  for (const std::size_t limit : {std::size_t{5}, std::size_t{64}, std::size_t{1000}}) {
    MemoryTable t(limit);
    Model m;
    double clock = 0;
    for (int step = 0; step < 60000; ++step) {
      const std::string key = "mx" + std::to_string(rng() % 3) + "/postfix/" + std::to_string(rng() % 400);
      switch (rng() % 8) {
        case 0: case 1: case 2: {  // put, after moving the clock
          clock += (rng() % 10) * 0.1;
          t.advance(clock);
          while (!m.order.empty() && m.entries[m.order.front()].first < clock) m.remove(m.order.front());
          const double lifetime = 1 + rng() % 20;
          const std::string fields = packed("n", std::to_string(step));
          std::size_t evicted = 0;
          if (m.entries.count(key)) {
            m.order.remove(key);
          } else {
            while (m.entries.size() >= limit) {
              m.remove(m.order.front());
              ++evicted;
            }
          }
          m.entries[key] = {clock + lifetime, fields};
          m.order.push_back(key);
          ASSERT_EQ(t.put(key, clock, lifetime, fields), evicted) << "step " << step;
          break;
        }
        case 3: {
          t.erase(key);
          m.remove(key);
          break;
        }
        default: {  // find: an expired entry is gone
          const auto it = m.entries.find(key);
          const bool live = it != m.entries.end() && it->second.first >= t.newest();
          const MemoryTable::Entry* e = t.find(key);
          ASSERT_EQ(e != nullptr, live) << "step " << step << " key " << key;
          if (live) {
            EXPECT_EQ(e->fields(), it->second.second);
            EXPECT_EQ(e->key(), key);
          } else if (it != m.entries.end()) {
            m.remove(key);
          }
        }
      }
      ASSERT_EQ(t.size(), m.entries.size()) << "step " << step;
    }
  }
}

constexpr std::size_t kMillion = 1000000;

std::string postfix_key(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "mx1/postfix/%010zX", i);  // "mx1/postfix/00004F1A2B": 22 bytes
  return buf;
}

// The bound docs/rules.md gives users: about 150 bytes of bookkeeping per entry (the entry,
// its index slots and the vectors' slack) plus its key and text, kept together.
TEST(MemoryTableTest, MillionEntriesStayWithinTheDocumentedBound) {
  MemoryTable t(kMillion);
  std::string fields;
  MemoryTable::pack(fields, "size", "20480");
  std::size_t heap = 0;  // the heap block of the key and text together (short ones are inline)
  for (std::size_t i = 0; i < kMillion; ++i) {
    const std::string key = postfix_key(i);
    ASSERT_EQ(t.put(key, 0, 3600, fields), 0u);
    if (i == 0) {
      EXPECT_EQ(key.size(), 22u);
      heap = key.size() + fields.size() > 15 ? key.size() + fields.size() + 1 : 0;
    }
  }
  EXPECT_EQ(t.size(), kMillion);
  const std::size_t bytes = t.bytes();
  EXPECT_LE(bytes, kMillion * (170 + heap)) << "per entry: " << bytes / kMillion;
  EXPECT_GE(bytes, kMillion * 100) << "an estimate that low misses something";
  ASSERT_NE(t.find(postfix_key(123456)), nullptr);
  EXPECT_EQ(field_of(t.find(postfix_key(123456)), "size"), "20480");
  EXPECT_EQ(t.put("one more", 1, 3600, fields), 1u);
  EXPECT_EQ(t.find(postfix_key(0)), nullptr);
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// The allocators of AddressSanitizer (red zones, quarantine) and ThreadSanitizer (shadow
// memory) multiply what a heap block costs: the documented bound is for a normal build.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kAllocatorFactor = 4;
#else
constexpr std::size_t kAllocatorFactor = 1;
#endif

TEST(MemoryTableTest, MillionEntriesResidentMemory) {
  ASSERT_GT(resident_bytes(), 0u) << "no /proc/self/statm";
  std::string fields;
  MemoryTable::pack(fields, "size", "20480");
  ::malloc_trim(0);  // what earlier tests freed is not counted as this one's
  const std::size_t before = resident_bytes();
  auto t = std::make_unique<MemoryTable>(kMillion);
  for (std::size_t i = 0; i < kMillion; ++i) t->put(postfix_key(i), 0, 3600, fields);
  const std::size_t after = resident_bytes();
  ASSERT_EQ(t->size(), kMillion);
  const std::size_t grew = after > before ? after - before : 0;
  EXPECT_LT(grew, kAllocatorFactor * (std::size_t{300} << 20)) << "resident memory grew by " << (grew >> 20) << " MiB";
}

}  // namespace
}  // namespace tapemeasure::rules
