#include "http/connection_slots.hpp"

#include <algorithm>

namespace tapemeasure::http {

void ConnectionSlots::set_limits(Limits limits) {
  limits.max_connections = std::max<std::size_t>(limits.max_connections, 1);
  // A reserve bigger than what it protects would leave the daemon mostly answering 503.
  limits.reserved = std::min(limits.reserved, limits.max_connections / 2);
  std::lock_guard lock(mu_);
  limits_ = limits;
}

ConnectionSlots::Admission ConnectionSlots::admit(const std::string& peer) {
  Admission out;
  std::function<void()> evict;
  {
    std::lock_guard lock(mu_);
    const std::size_t general_max = limits_.max_connections - limits_.reserved;
    const auto held = per_peer_.find(peer);
    const bool peer_ok = limits_.per_peer == 0 || held == per_peer_.end() || held->second < limits_.per_peer;
    Pool pool = Pool::reserve;
    if (peer_ok && (general_ < general_max || evict_one_locked(Pool::general, evict))) {
      pool = Pool::general;
    } else if (!(reserve_ < limits_.reserved || evict_one_locked(Pool::reserve, evict))) {
      return out;  // refused
    }
    const Why why = pool == Pool::general ? Why::none : peer_ok ? Why::full : Why::peer_limit;
    out.slot.reset(new Slot(*this, pool, why, peer));
    if (pool == Pool::general) {
      ++general_;
      ++per_peer_[peer];
    } else {
      ++reserve_;
    }
    out.evicted = static_cast<bool>(evict);
  }
  if (evict) evict();
  return out;
}

bool ConnectionSlots::evict_one_locked(Pool pool, std::function<void()>& evict) {
  auto& list = waiting_list(pool);
  if (list.empty()) return false;
  Slot& victim = *list.front();
  evict = std::move(victim.evict_);
  release_locked(victim);
  return true;
}

void ConnectionSlots::unlist_locked(Slot& s) {
  if (!s.listed_) return;
  waiting_list(s.pool_).erase(s.pos_);
  s.listed_ = false;
}

void ConnectionSlots::release_locked(Slot& s) {
  if (s.released_) return;
  unlist_locked(s);
  s.released_ = true;
  if (s.pool_ == Pool::reserve) {
    --reserve_;
    return;
  }
  --general_;
  const auto it = per_peer_.find(s.peer_);
  if (it != per_peer_.end() && --it->second == 0) per_peer_.erase(it);
}

ConnectionSlots::Counts ConnectionSlots::counts() const {
  std::lock_guard lock(mu_);
  return {.general = general_, .reserve = reserve_, .peers = per_peer_.size(),
          .general_waiting = general_waiting_.size(), .reserve_waiting = reserve_waiting_.size()};
}

ConnectionSlots::Slot::~Slot() {
  std::lock_guard lock(owner_.mu_);
  owner_.release_locked(*this);
}

void ConnectionSlots::Slot::may_evict(std::function<void()> evict) {
  std::lock_guard lock(owner_.mu_);
  if (released_) return;
  evict_ = std::move(evict);
  if (listed_) return;  // keeps its place in the line
  auto& list = owner_.waiting_list(pool_);
  pos_ = list.insert(list.end(), this);
  listed_ = true;
}

void ConnectionSlots::Slot::keep() {
  std::lock_guard lock(owner_.mu_);
  owner_.unlist_locked(*this);
  evict_ = nullptr;
}

}  // namespace tapemeasure::http
