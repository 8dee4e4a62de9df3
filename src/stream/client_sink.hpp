#pragma once
// What the hub needs from a connected WebSocket client: a way to hand it a ready frame,
// and what became of the frames it was handed (the hub's per-client bounds and its counts
// read these). Implemented by http::WebSocketSession; deliver() may be called from any
// thread, the counters are written by the session and drained by the hub.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tapemeasure::stream {

// What an event frame holds, so a session that throws it away unwritten (too old, or over
// the cap at receipt) can say what was lost. Zero for other frames (view, stats, errors).
struct FrameCounts {
  std::uint32_t events = 0;
  std::uint64_t dropped = 0;  // the drops the frame reports (already counted in /metrics)
};

class ClientSink {
 public:
  virtual ~ClientSink() = default;
  // Queues a frame for writing (posts to the session's own executor; never blocks).
  virtual void deliver(std::shared_ptr<const std::string> frame, FrameCounts counts) = 0;
  void deliver(std::shared_ptr<const std::string> frame) { deliver(std::move(frame), FrameCounts{}); }
  // Closes a client whose queue stayed full too long.
  virtual void close_stuck() = 0;
  // Says goodbye with a close frame (daemon shutting down).
  virtual void close_going_away() = 0;

  std::atomic<std::size_t> queued_bytes{0};  // delivered but not yet written
  // The client's cap (events/s), set by the hub: the session keeps what it writes in any
  // one second under it, so a client that stalls and catches up gets no burst.
  std::atomic<double> max_rate{0};
  // Drained by the hub on every flush:
  std::atomic<std::uint64_t> events_written{0};    // handed to the socket
  std::atomic<std::uint64_t> events_discarded{0};  // thrown away unwritten: new drops
  std::atomic<std::uint64_t> drops_unreported{0};  // drop counts of frames thrown away
};

}  // namespace tapemeasure::stream
