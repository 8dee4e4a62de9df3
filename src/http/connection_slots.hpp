#pragma once
// Who holds the daemon's HTTP and WebSocket connection slots, and who gets the next one,
// so that no client can take them all (slowloris, idle WebSockets) and shut out /healthz
// and /metrics. The rules, as nginx, HAProxy and Envoy users would expect:
//
// - At most `max_connections` in all (--max-connections). The last `reserved` of them
//   (--reserved-connections) are a reserve that answers only /healthz and /metrics: one
//   request with a short header timeout, then the connection is closed; anything else
//   there gets 503. A newcomer lands in the reserve when the general slots are all taken.
// - At most `per_peer` general slots per peer address (--max-connections-per-peer, like
//   nginx's limit_conn); a peer over it lands in the reserve too. On loopback every client
//   is the same peer: there the reserve is what keeps an operator's probe in.
// - When the slot a newcomer needs is taken, a connection that can lose it makes room
//   (nginx reuses keep-alive connections so when out of worker_connections): in the
//   general slots, the one that has waited longest for a request without sending a byte
//   of it (an idle keep-alive, or a silent new connection); in the reserve, the oldest
//   one still reading its request (the reserve is for probes, which send at once). A
//   connection being answered, or a WebSocket, is never closed to make room. When nothing
//   can make room the newcomer is refused (closed).
//
// Slots are released from any thread (a WebSocket may end on the thread that fed it);
// the `evict` callbacks are called by admit() on its caller's thread, outside the lock.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tapemeasure::http {

class ConnectionSlots {
 public:
  struct Limits {
    std::size_t max_connections = 512;
    std::size_t per_peer = 64;  // 0: no per-peer limit
    std::size_t reserved = 16;  // at most half of max_connections is kept in reserve
  };
  enum class Pool { general, reserve };
  // Why a connection is in the reserve: the general slots were full, or its peer's were.
  enum class Why { none, full, peer_limit };

  class Slot {
   public:
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();
    Pool pool() const { return pool_; }
    Why why() const { return why_; }
    // The connection may be closed to make room from now on; `evict` closes it.
    void may_evict(std::function<void()> evict);
    // The connection is being used (reading a request that has begun, answering, a
    // WebSocket): it keeps its slot until it ends.
    void keep();

   private:
    friend class ConnectionSlots;
    Slot(ConnectionSlots& owner, Pool pool, Why why, std::string peer)
        : owner_(owner), pool_(pool), why_(why), peer_(std::move(peer)) {}
    ConnectionSlots& owner_;
    Pool pool_;
    Why why_;
    std::string peer_;
    bool released_ = false;
    bool listed_ = false;
    std::list<Slot*>::iterator pos_{};
    std::function<void()> evict_;
  };

  void set_limits(Limits limits);
  const Limits& limits() const { return limits_; }

  // A slot for a new connection from `peer` (its address), or null when there is none to
  // give: then the caller closes it. May close one waiting connection to make room.
  struct Admission {
    std::unique_ptr<Slot> slot;  // null: refused
    bool evicted = false;        // a waiting connection was closed to make room
  };
  Admission admit(const std::string& peer);

  struct Counts {
    std::size_t general = 0;
    std::size_t reserve = 0;
    std::size_t peers = 0;  // addresses holding general slots
    std::size_t general_waiting = 0;  // of those, waiting for a request: may make room
    std::size_t reserve_waiting = 0;
  };
  Counts counts() const;

 private:
  // Called with mu_ held.
  void release_locked(Slot& s);
  void unlist_locked(Slot& s);
  std::list<Slot*>& waiting_list(Pool pool) { return pool == Pool::general ? general_waiting_ : reserve_waiting_; }
  // Frees the slot of the longest-waiting connection in `pool`; its evict callback is
  // moved to `evict`. False when none may be evicted.
  bool evict_one_locked(Pool pool, std::function<void()>& evict);

  Limits limits_{};
  mutable std::mutex mu_;
  std::size_t general_ = 0;
  std::size_t reserve_ = 0;
  std::unordered_map<std::string, std::size_t> per_peer_;  // no entry at zero: at most max_connections
  std::list<Slot*> general_waiting_;  // longest waiting first
  std::list<Slot*> reserve_waiting_;
};

}  // namespace tapemeasure::http
