#pragma once
// The stream hub: decides which events each WebSocket client gets, and builds its frames.
//
// All of it runs on the ingest thread, so its bookkeeping needs no locks: sessions reach it
// by posting add/remove/filter calls to that thread. An event is serialised once, and only
// if some client takes it; clients share the resulting string. Ingest never waits: a client
// over its rate or its byte bound loses the event, and that loss is counted and reported in
// its next frame's "dropped".
//
// One client's messages never change what another gets: the type table holds only types
// the daemon has emitted (offer()), never names a client sent; a filter naming a type not
// seen yet keeps that name in the client's own set until the type appears.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/self_metrics.hpp"
#include "stream/client_sink.hpp"
#include "stream/token_bucket.hpp"

namespace tapemeasure::stream {

class Hub {
 public:
  using clock = std::chrono::steady_clock;

  struct Options {
    double max_rate = 1000;                      // events/s per client (--ws-max-rate)
    std::size_t max_queued_bytes = 4 << 20;      // per client, queued + pending
    std::chrono::seconds stuck_after{10};        // full that long: the client is closed
    std::chrono::milliseconds frame_interval{16};
    // Types with an id of their own (fast path). Types seen beyond it (a rule whose type is
    // a capture can make many) still filter exactly, by name, only more slowly.
    std::size_t max_type_ids = 4096;
    // This daemon's name (--name), sent as "daemon" in every event frame so a browser that
    // merges several daemons knows where each came from. Empty: no such field.
    std::string daemon_name;
  };

  Hub(Options options, metrics::SelfMetrics& self);

  void add(std::shared_ptr<ClientSink> client, clock::time_point now);
  void remove(const ClientSink* client);
  // all: every type. Otherwise exactly `types` (the caller bounds how many: see
  // http/client_message.hpp), including types the daemon has not emitted yet.
  void set_filter(const ClientSink* client, const std::vector<std::string>& types, bool all);
  // Lowers (never raises above the server cap) the client's rate.
  void set_max_rate(const ClientSink* client, double rate);

  bool has_clients() const { return !clients_.empty(); }
  double dropped_total() const { return dropped_rate_total_.Value() + dropped_queue_total_.Value(); }
  std::size_t clients() const { return clients_.size(); }

  // One event of `type`; render() is called at most once, only if a client takes it.
  void offer(std::string_view type, clock::time_point now, const std::function<std::string()>& render) {
    offer(type_id(type), type, now, render);
  }
  // The same, for a caller that keeps `type`'s id (from type_id(), valid for the hub's
  // lifetime): a rule whose type is a constant need not hash it for every event. `type`
  // is read only when `type_id` is kNoId.
  void offer(int type_id, std::string_view type, clock::time_point now, const std::function<std::string()>& render);
  // The id of an emitted type, a new one added while there is room (beyond it: kNoId).
  int type_id(std::string_view type);
  static constexpr int kNoId = -1;  // a type beyond the table: matched by name
  // Events matched while no client is connected: only counted, for "seq" (cheap: the
  // line path calls this instead of offer() when has_clients() is false).
  void count_unoffered(std::uint64_t n) { offered_total_ += n; }

  // Events matched since start: what a frame's "seq" says.
  std::uint64_t seq() const { return offered_total_; }
  // This run of the daemon, as sent in each client's first event frame ("boot").
  const std::string& boot() const { return boot_; }

  // Builds and delivers one frame per client with news: {"seq":N,"boot":"ID","daemon":"NAME",
  // "events":[...],"dropped":N} ("boot" in a client's first frame only; "seq" and "boot"
  // lead, where web/app/network/connection.js reads them).
  // Called by a timer every frame_interval.
  void flush(clock::time_point now);
  // After each read batch: sends now to clients whose last frame is a frame_interval old,
  // so a quiet stream is not held back until the next tick (latency), while a busy one
  // still gets at most one frame per interval (batching).
  void flush_due(clock::time_point now) {
    if (any_due_) flush(now, true);
  }

  // Shutdown: a close frame to every client.
  void close_all();

  // A frame for every client (the per-second stats), outside the event cap.
  void broadcast(const std::shared_ptr<const std::string>& frame);

 private:
  struct Client {
    std::shared_ptr<ClientSink> sink;
    TokenBucket bucket;
    bool all = true;                              // no filter
    std::set<std::string, std::less<>> names;     // the filter as sent
    std::vector<int> ids;                         // ... those of them with an id
    std::vector<char> wants;                      // by type id: 1 if in the filter
    std::uint64_t unlisted_matching = 0;          // offered events of its types without an id
    std::vector<std::shared_ptr<const std::string>> pending;
    std::size_t pending_bytes = 0;
    std::uint64_t pending_seq = 0;      // seq as of the last pending event
    bool boot_sent = false;
    std::uint64_t matching_seen = 0;    // offered events of its types, at its last accounting
    std::uint64_t taken = 0;            // events its bucket took since then
    std::uint64_t dropped_queue = 0;    // since the last frame; counted in /metrics when sent
    std::uint64_t dropped_rate = 0;
    std::uint64_t dropped_carried = 0;  // reported by frames the session threw away
    clock::time_point full_since{};     // when its queue was first found full; {} if not
    clock::time_point last_frame{};

    bool takes(int id) const { return all || (id >= 0 && static_cast<std::size_t>(id) < wants.size() && wants[id]); }
  };

  std::uint64_t matching_offered(const Client& c) const;
  void account(Client& c);  // moves newly offered, not taken events of its types to dropped
  void drain_session_counts(Client& c);
  void flush(clock::time_point now, bool only_due);
  void wake_all() { std::fill(next_ready_.begin(), next_ready_.end(), clock::time_point{}); }
  Client* find(const ClientSink* sink);

  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Options options_;
  metrics::SelfMetrics& self_;
  prometheus::Counter& dropped_rate_total_;
  prometheus::Counter& dropped_queue_total_;
  std::string boot_;
  std::string daemon_field_;  // ,"daemon":"NAME" (escaped), or empty
  std::vector<Client> clients_;
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> type_ids_;
  std::vector<std::uint64_t> offered_;  // by type id
  std::uint64_t offered_total_ = 0;     // every event matched so far: a frame's "seq"
  bool any_due_ = false;                // some client took an event and may get a frame early
  // Per type id, the earliest time any client of that type can take an event: lets offer()
  // skip the client loop entirely while every bucket is empty (the common case under load).
  std::vector<clock::time_point> next_ready_;
};

}  // namespace tapemeasure::stream
