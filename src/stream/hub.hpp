#pragma once
// The stream hub: decides which events each WebSocket client gets, and builds its frames.
//
// All of it runs on the ingest thread, so its bookkeeping needs no locks: sessions reach it
// by posting add/remove/filter calls to that thread. An event is serialised once, and only
// if some client takes it; clients share the resulting string. Ingest never waits: a client
// over its rate or its byte bound loses the event, and that loss is counted and reported in
// its next frame's "dropped".
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
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
  };

  Hub(Options options, metrics::SelfMetrics& self);

  void add(std::shared_ptr<ClientSink> client, clock::time_point now);
  void remove(const ClientSink* client);
  // types empty: every type. Types never seen before are remembered.
  void set_filter(const ClientSink* client, const std::vector<std::string>& types, bool all);
  // Lowers (never raises above the server cap) the client's rate.
  void set_max_rate(const ClientSink* client, double rate);

  bool has_clients() const { return !clients_.empty(); }
  double dropped_total() const { return dropped_rate_total_.Value() + dropped_queue_total_.Value(); }
  std::size_t clients() const { return clients_.size(); }

  // One event of `type`; render() is called at most once, only if a client takes it.
  void offer(std::string_view type, clock::time_point now, const std::function<std::string()>& render);

  // Builds and delivers one frame per client with news ({"seq","events","dropped"}).
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
  static constexpr int kMaxTypes = 64;  // the last id collects all further types
  using TypeMask = std::uint64_t;

  struct Client {
    std::shared_ptr<ClientSink> sink;
    TokenBucket bucket;
    TypeMask mask = ~TypeMask{0};
    std::uint64_t seq = 0;
    std::vector<std::shared_ptr<const std::string>> pending;
    std::size_t pending_bytes = 0;
    std::uint64_t matching_seen = 0;    // offered events of its types, at its last accounting
    std::uint64_t taken = 0;            // events its bucket took since then
    std::uint64_t dropped_queue = 0;    // since the last frame
    std::uint64_t dropped_rate = 0;
    clock::time_point full_since{};     // when its queue was first found full; {} if not
    clock::time_point last_frame{};
  };

  int type_id(std::string_view type);
  std::uint64_t matching_offered(TypeMask mask) const;
  void account(Client& c);  // moves newly offered, not taken events of its types to dropped
  void flush(clock::time_point now, bool only_due);
  Client* find(const ClientSink* sink);

  Options options_;
  metrics::SelfMetrics& self_;
  prometheus::Counter& dropped_rate_total_;
  prometheus::Counter& dropped_queue_total_;
  std::vector<Client> clients_;
  std::unordered_map<std::string, int> type_ids_;
  std::uint64_t offered_[kMaxTypes] = {};
  std::uint64_t offered_total_ = 0;  // every event so far: a frame's "seq"
  bool any_due_ = false;             // some client took an event and may get a frame early
  // Per type, the earliest time any client of that type can take an event: lets offer()
  // skip the client loop entirely while every bucket is empty (the common case under load).
  clock::time_point next_ready_[kMaxTypes] = {};
};

}  // namespace tapemeasure::stream
