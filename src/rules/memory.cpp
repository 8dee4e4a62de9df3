#include "rules/memory.hpp"

#include <algorithm>

namespace tapemeasure::rules {

std::vector<MemoryTable*> Memory::use(const std::vector<std::string>& names) {
  for (auto it = tables_.begin(); it != tables_.end();)
    it = std::find(names.begin(), names.end(), it->first) == names.end() ? tables_.erase(it) : std::next(it);
  std::vector<MemoryTable*> out;
  for (const auto& name : names) {
    auto& table = tables_[name];
    if (!table) table = std::make_unique<MemoryTable>(max_entries_);
    out.push_back(table.get());
  }
  return out;
}

}  // namespace tapemeasure::rules
