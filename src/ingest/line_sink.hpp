#pragma once
// Where ingest hands lines: the boundary between the ingest stage and the rule engine.
#include <string_view>

namespace tapemeasure::ingest {

class LineSink {
 public:
  virtual ~LineSink() = default;
  // A batch of lines read in one go starts (they share one arrival time).
  virtual void begin_batch() = 0;
  // The view stays valid until end_batch(), so a sink may collect a batch's lines.
  virtual void line(std::string_view line, bool truncated) = 0;
  // The batch is done: a chance to send what it produced without waiting for a timer.
  virtual void end_batch() {}
};

}  // namespace tapemeasure::ingest
