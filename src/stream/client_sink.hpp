#pragma once
// What the hub needs from a connected WebSocket client: a way to hand it a ready frame,
// and how many bytes it still has queued (the hub's per-client memory bound reads this).
// Implemented by http::WebSocketSession; deliver() may be called from any thread.
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

namespace tapemeasure::stream {

class ClientSink {
 public:
  virtual ~ClientSink() = default;
  // Queues a frame for writing (posts to the session's own executor; never blocks).
  virtual void deliver(std::shared_ptr<const std::string> frame) = 0;
  // Closes a client whose queue stayed full too long.
  virtual void close_stuck() = 0;
  // Says goodbye with a close frame (daemon shutting down).
  virtual void close_going_away() = 0;

  std::atomic<std::size_t> queued_bytes{0};  // delivered but not yet written
};

}  // namespace tapemeasure::stream
