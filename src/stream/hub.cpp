#include "stream/hub.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>

namespace tapemeasure::stream {
namespace {

// An id for this run, so that a client reconnecting to a restarted daemon does not read
// the new, smaller seq as a gap (or a larger one as events it missed).
std::string make_boot_id() {
  std::random_device rd;
  const auto now = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  std::uint64_t v = ((std::uint64_t{rd()} << 32) ^ rd()) ^ now;
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (auto& ch : id) {
    ch = hex[v & 15];
    v >>= 4;
  }
  return id;
}

}  // namespace

Hub::Hub(Options options, metrics::SelfMetrics& self)
    : options_(options),
      self_(self),
      dropped_rate_total_(self.ws_events_dropped.Add({{"reason", "rate"}})),
      dropped_queue_total_(self.ws_events_dropped.Add({{"reason", "queue"}})),
      boot_(make_boot_id()),
      daemon_field_(options_.daemon_name.empty() ? ""
                                                 : ",\"daemon\":" + nlohmann::json(options_.daemon_name).dump()) {}

int Hub::type_id(std::string_view type) {
  if (auto it = type_ids_.find(type); it != type_ids_.end()) return it->second;
  if (type_ids_.size() >= options_.max_type_ids) return kNoId;
  const int id = static_cast<int>(type_ids_.size());
  type_ids_.emplace(std::string(type), id);
  offered_.push_back(0);
  next_ready_.push_back({});
  // Clients that asked for this type before it existed take it from now on.
  for (auto& c : clients_) {
    if (c.all || !c.names.contains(type)) continue;
    c.wants.resize(id + 1, 0);
    c.wants[id] = 1;
    c.ids.push_back(id);
  }
  return id;
}

std::uint64_t Hub::matching_offered(const Client& c) const {
  if (c.all) return offered_total_;
  std::uint64_t n = c.unlisted_matching;
  for (const int id : c.ids) n += offered_[id];
  return n;
}

Hub::Client* Hub::find(const ClientSink* sink) {
  for (auto& c : clients_)
    if (c.sink.get() == sink) return &c;
  return nullptr;
}

void Hub::account(Client& c) {
  const std::uint64_t now_seen = matching_offered(c);
  const std::uint64_t taken = c.taken;
  const std::uint64_t fresh = now_seen - c.matching_seen;
  c.dropped_rate += fresh > taken ? fresh - taken : 0;
  c.matching_seen = now_seen;
  c.taken = 0;
}

void Hub::drain_session_counts(Client& c) {
  // Sent counts what reached the socket: a frame the session threw away was not sent.
  self_.ws_events_sent.Increment(static_cast<double>(c.sink->events_written.exchange(0)));
  c.dropped_queue += c.sink->events_discarded.exchange(0);
  c.dropped_carried += c.sink->drops_unreported.exchange(0);
}

void Hub::add(std::shared_ptr<ClientSink> sink, clock::time_point) {
  Client c;
  c.sink = std::move(sink);
  c.bucket.set_rate(options_.max_rate);
  c.sink->max_rate.store(options_.max_rate);
  c.matching_seen = matching_offered(c);
  clients_.push_back(std::move(c));
  wake_all();
  self_.ws_clients.Set(static_cast<double>(clients_.size()));
}

void Hub::remove(const ClientSink* sink) {
  if (Client* c = find(sink)) {
    drain_session_counts(*c);
    dropped_queue_total_.Increment(static_cast<double>(c->dropped_queue));
  }
  std::erase_if(clients_, [&](const Client& c) { return c.sink.get() == sink; });
  self_.ws_clients.Set(static_cast<double>(clients_.size()));
}

void Hub::set_filter(const ClientSink* sink, const std::vector<std::string>& types, bool all) {
  Client* c = find(sink);
  if (!c) return;
  account(*c);  // what it missed so far counts under the old filter
  c->all = all;
  c->names.clear();
  c->ids.clear();
  c->wants.clear();
  c->unlisted_matching = 0;
  if (!all) {
    for (const auto& t : types) {
      if (!c->names.insert(t).second) continue;
      const auto it = type_ids_.find(t);
      if (it == type_ids_.end()) continue;  // not emitted yet (or beyond the table): by name
      c->wants.resize(std::max<std::size_t>(c->wants.size(), it->second + 1), 0);
      c->wants[it->second] = 1;
      c->ids.push_back(it->second);
    }
  }
  c->matching_seen = matching_offered(*c);
  wake_all();
}

void Hub::set_max_rate(const ClientSink* sink, double rate) {
  if (Client* c = find(sink)) {
    c->bucket.set_rate(std::clamp(rate, 0.0, options_.max_rate));
    c->sink->max_rate.store(c->bucket.rate());
  }
  wake_all();
}

void Hub::offer(int t, std::string_view type, clock::time_point now, const std::function<std::string()>& render) {
  ++offered_total_;
  if (t == kNoId) {
    // Beyond the table: each filtering client counts its own matching events.
    for (auto& c : clients_)
      if (!c.all && c.names.contains(type)) ++c.unlisted_matching;
  } else {
    ++offered_[t];
    if (now < next_ready_[t]) return;  // every client of this type is still over its rate
  }

  std::shared_ptr<const std::string> event;
  clock::time_point next = clock::time_point::max();
  for (auto& c : clients_) {
    if (t == kNoId ? !(c.all || c.names.contains(type)) : !c.takes(t)) continue;
    if (c.bucket.try_take(now)) {
      ++c.taken;
      if (!event) event = std::make_shared<const std::string>(render());
      if (c.pending_bytes + c.sink->queued_bytes.load(std::memory_order_relaxed) + event->size() >
          options_.max_queued_bytes) {
        ++c.dropped_queue;
      } else {
        c.pending.push_back(event);
        c.pending_bytes += event->size() + 1;
        c.pending_seq = offered_total_;
        if (now - c.last_frame >= options_.frame_interval) any_due_ = true;
      }
    }
    if (c.bucket.rate() > 0) next = std::min(next, c.bucket.next_ready());
  }
  if (t != kNoId) next_ready_[t] = next;
}

void Hub::flush(clock::time_point now) { flush(now, false); }

void Hub::flush(clock::time_point now, bool only_due) {
  any_due_ = false;
  std::vector<ClientSink*> stuck;
  for (auto& c : clients_) {
    if (only_due && (c.pending.empty() || now - c.last_frame < options_.frame_interval)) continue;
    account(c);
    drain_session_counts(c);
    const std::size_t queued = c.sink->queued_bytes.load(std::memory_order_relaxed);
    const bool full = queued > options_.max_queued_bytes / 2;
    if (!full) c.full_since = {};
    else if (c.full_since == clock::time_point{}) c.full_since = now;
    else if (now - c.full_since > options_.stuck_after) stuck.push_back(c.sink.get());

    const std::uint64_t dropped = c.dropped_rate + c.dropped_queue + c.dropped_carried;
    if (c.pending.empty() && dropped == 0) continue;
    std::string frame;
    frame.reserve(c.pending_bytes + 96);
    frame += "{\"seq\":";
    // As of the frame's last event. A frame that reports drops accounts for every event up
    // to now (received or dropped), so it is as of now: then seq - the last seq - what the
    // frame accounts for is what passed while a client was away (web/app/network/backoff.js).
    frame += std::to_string(c.pending.empty() || dropped > 0 ? offered_total_ : c.pending_seq);
    if (!c.boot_sent) {
      frame += ",\"boot\":\"";
      frame += boot_;
      frame += '"';
    }
    frame += daemon_field_;
    frame += ",\"events\":[";
    for (std::size_t i = 0; i < c.pending.size(); ++i) {
      if (i) frame += ',';
      frame += *c.pending[i];
    }
    frame += "],\"dropped\":";
    frame += std::to_string(dropped);
    frame += '}';
    if (queued + frame.size() > options_.max_queued_bytes) {
      // Not even this frame fits: its events become drops, reported once there is room.
      c.dropped_queue += c.pending.size();
    } else {
      dropped_rate_total_.Increment(static_cast<double>(c.dropped_rate));
      dropped_queue_total_.Increment(static_cast<double>(c.dropped_queue));
      const FrameCounts counts{static_cast<std::uint32_t>(c.pending.size()), dropped};
      c.dropped_rate = c.dropped_queue = c.dropped_carried = 0;
      c.last_frame = now;
      c.boot_sent = true;
      c.sink->deliver(std::make_shared<const std::string>(std::move(frame)), counts);
    }
    c.pending.clear();
    c.pending_bytes = 0;
  }
  for (ClientSink* s : stuck) {
    s->close_stuck();
    remove(s);
  }
}

void Hub::close_all() {
  flush(clock::now());
  for (auto& c : clients_) c.sink->close_going_away();
  clients_.clear();
  self_.ws_clients.Set(0);
}

void Hub::broadcast(const std::shared_ptr<const std::string>& frame) {
  for (auto& c : clients_)
    if (c.sink->queued_bytes.load(std::memory_order_relaxed) + frame->size() <= options_.max_queued_bytes)
      c.sink->deliver(frame);
}

}  // namespace tapemeasure::stream
