#include "stream/hub.hpp"

#include <algorithm>
#include <bit>

namespace tapemeasure::stream {

Hub::Hub(Options options, metrics::SelfMetrics& self)
    : options_(options),
      self_(self),
      dropped_rate_total_(self.ws_events_dropped.Add({{"reason", "rate"}})),
      dropped_queue_total_(self.ws_events_dropped.Add({{"reason", "queue"}})) {}

int Hub::type_id(std::string_view type) {
  // Types are few (the rule pack's); a handful of string compares beat hashing here.
  if (auto it = type_ids_.find(std::string(type)); it != type_ids_.end()) return it->second;
  const int id = std::min(static_cast<int>(type_ids_.size()), kMaxTypes - 1);
  type_ids_.emplace(type, id);
  return id;
}

std::uint64_t Hub::matching_offered(TypeMask mask) const {
  std::uint64_t n = 0;
  while (mask) {
    const int t = std::countr_zero(mask);
    n += offered_[t];
    mask &= mask - 1;
  }
  return n;
}

Hub::Client* Hub::find(const ClientSink* sink) {
  for (auto& c : clients_)
    if (c.sink.get() == sink) return &c;
  return nullptr;
}

void Hub::account(Client& c) {
  const std::uint64_t now_seen = matching_offered(c.mask);
  const std::uint64_t taken = c.taken;
  const std::uint64_t fresh = now_seen - c.matching_seen;
  c.dropped_rate += fresh > taken ? fresh - taken : 0;
  c.matching_seen = now_seen;
  c.taken = 0;
}

void Hub::add(std::shared_ptr<ClientSink> sink, clock::time_point) {
  Client c;
  c.sink = std::move(sink);
  c.bucket.set_rate(options_.max_rate);
  c.matching_seen = matching_offered(c.mask);
  clients_.push_back(std::move(c));
  std::fill(std::begin(next_ready_), std::end(next_ready_), clock::time_point{});
  self_.ws_clients.Set(static_cast<double>(clients_.size()));
}

void Hub::remove(const ClientSink* sink) {
  std::erase_if(clients_, [&](const Client& c) { return c.sink.get() == sink; });
  self_.ws_clients.Set(static_cast<double>(clients_.size()));
}

void Hub::set_filter(const ClientSink* sink, const std::vector<std::string>& types, bool all) {
  Client* c = find(sink);
  if (!c) return;
  account(*c);  // what it missed so far counts under the old filter
  TypeMask mask = all ? ~TypeMask{0} : 0;
  if (!all)
    for (const auto& t : types) mask |= TypeMask{1} << type_id(t);
  c->mask = mask;
  c->matching_seen = matching_offered(mask);
  std::fill(std::begin(next_ready_), std::end(next_ready_), clock::time_point{});
}

void Hub::set_max_rate(const ClientSink* sink, double rate) {
  if (Client* c = find(sink)) c->bucket.set_rate(std::clamp(rate, 0.0, options_.max_rate));
  std::fill(std::begin(next_ready_), std::end(next_ready_), clock::time_point{});
}

void Hub::offer(std::string_view type, clock::time_point now, const std::function<std::string()>& render) {
  const int t = type_id(type);
  ++offered_[t];
  ++offered_total_;
  if (now < next_ready_[t]) return;  // every client of this type is still over its rate

  std::shared_ptr<const std::string> event;
  clock::time_point next = clock::time_point::max();
  const TypeMask bit = TypeMask{1} << t;
  for (auto& c : clients_) {
    if (!(c.mask & bit)) continue;
    if (c.bucket.try_take(now)) {
      ++c.taken;
      if (!event) event = std::make_shared<const std::string>(render());
      if (c.pending_bytes + c.sink->queued_bytes.load(std::memory_order_relaxed) + event->size() >
          options_.max_queued_bytes) {
        ++c.dropped_queue;
      } else {
        c.pending.push_back(event);
        c.pending_bytes += event->size() + 1;
        if (now - c.last_frame >= options_.frame_interval) any_due_ = true;
      }
    }
    if (c.bucket.rate() > 0) next = std::min(next, c.bucket.next_ready());
  }
  next_ready_[t] = next;
}

void Hub::flush(clock::time_point now) { flush(now, false); }

void Hub::flush(clock::time_point now, bool only_due) {
  any_due_ = false;
  std::vector<ClientSink*> stuck;
  for (auto& c : clients_) {
    if (only_due && (c.pending.empty() || now - c.last_frame < options_.frame_interval)) continue;
    account(c);
    const std::size_t queued = c.sink->queued_bytes.load(std::memory_order_relaxed);
    const bool full = queued > options_.max_queued_bytes / 2;
    if (!full) c.full_since = {};
    else if (c.full_since == clock::time_point{}) c.full_since = now;
    else if (now - c.full_since > options_.stuck_after) stuck.push_back(c.sink.get());

    const std::uint64_t dropped = c.dropped_rate + c.dropped_queue;
    if (c.pending.empty() && dropped == 0) continue;
    std::string frame;
    frame.reserve(c.pending_bytes + 64);
    frame += "{\"seq\":";
    frame += std::to_string(offered_total_);
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
      self_.ws_events_sent.Increment(static_cast<double>(c.pending.size()));
      dropped_rate_total_.Increment(static_cast<double>(c.dropped_rate));
      dropped_queue_total_.Increment(static_cast<double>(c.dropped_queue));
      c.dropped_rate = c.dropped_queue = 0;
      c.last_frame = now;
      c.sink->deliver(std::make_shared<const std::string>(std::move(frame)));
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
