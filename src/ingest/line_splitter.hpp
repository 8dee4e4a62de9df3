#pragma once
// Splits a byte stream into lines. One per connection (stream socket, stdin, a file).
// Lines longer than max_line_bytes are cut there and flagged (counted by the caller);
// the rest of such a line is skipped up to its newline, so a runaway writer costs
// bounded memory. A trailing '\r' is dropped (CRLF logs) before the length is judged: the
// CR of a CRLF ending is not content, so a line of exactly max_line_bytes is whole either way.
#include <cstddef>
#include <string>
#include <string_view>

namespace tapemeasure::ingest {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line_bytes) : max_(max_line_bytes) {}

  // Calls on_line(std::string_view line, bool truncated) for each complete line in data.
  // Every view stays valid until the next feed() or finish(): lines are views into `data`,
  // except the one completing a line begun in an earlier feed, which is kept in `held_`.
  template <typename OnLine>
  void feed(std::string_view data, OnLine&& on_line) {
    while (!data.empty()) {
      const std::size_t nl = data.find('\n');
      const std::string_view piece = data.substr(0, nl);
      if (nl == std::string_view::npos) {
        append(piece);
        return;
      }
      if (partial_.empty() && !truncated_) {
        emit(piece, false, on_line);  // the common case: no copy (an over-long line is cut in place)
      } else {
        append(piece);
        emit_partial(on_line);
      }
      data.remove_prefix(nl + 1);
    }
  }

  // End of stream: a last line without a newline is still a line (a writer that
  // disconnects mid-line loses nothing).
  template <typename OnLine>
  void finish(OnLine&& on_line) {
    if (!partial_.empty() || truncated_) emit_partial(on_line);
  }

  bool has_partial() const { return !partial_.empty() || truncated_; }

 private:
  // Holds up to max_ + 1 bytes: the extra one may be the CR of a CRLF ending, which is
  // only known once the newline comes. More than that is over the limit whatever follows.
  void append(std::string_view piece) {
    if (truncated_) return;
    const std::size_t room = max_ + 1 - partial_.size();
    if (piece.size() > room) {
      partial_.append(piece.substr(0, room));
      truncated_ = true;
    } else {
      partial_.append(piece);
    }
  }

  template <typename OnLine>
  void emit_partial(OnLine& on_line) {
    held_.swap(partial_);  // held_ keeps the line valid while partial_ starts the next one
    partial_.clear();
    const bool truncated = truncated_;
    truncated_ = false;
    emit(held_, truncated, on_line);
  }

  template <typename OnLine>
  void emit(std::string_view line, bool truncated, OnLine& on_line) const {
    if (!truncated && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_) {
      line = line.substr(0, max_);
      truncated = true;
    }
    on_line(line, truncated);
  }

  std::size_t max_;
  std::string partial_;
  std::string held_;  // the last line assembled from pieces (see feed)
  bool truncated_ = false;
};

}  // namespace tapemeasure::ingest
