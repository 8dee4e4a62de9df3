#pragma once
// The memory tables of one line processor, by name. They outlive rule sets: a reload keeps
// every table a loaded file still names (a queue id remembered before the reload is
// recalled after it), and drops the others.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rules/memory_table.hpp"

namespace tapemeasure::rules {

class Memory {
 public:
  explicit Memory(std::size_t max_entries_per_table) : max_entries_(max_entries_per_table) {}

  // Makes the tables exactly `names` (keeping those that exist); returns them in that order.
  std::vector<MemoryTable*> use(const std::vector<std::string>& names);

  std::size_t max_entries() const { return max_entries_; }
  const std::map<std::string, std::unique_ptr<MemoryTable>>& tables() const { return tables_; }

 private:
  std::size_t max_entries_;
  std::map<std::string, std::unique_ptr<MemoryTable>> tables_;
};

}  // namespace tapemeasure::rules
