#include "follow/state_saver.hpp"

#include <utility>

namespace tapemeasure::follow {

StateSaver::StateSaver(std::string path) : path_(std::move(path)), thread_([this] { run(); }) {}

StateSaver::~StateSaver() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StateSaver::submit(std::vector<FileMark> marks) {
  {
    std::lock_guard lock(mu_);
    waiting_ = std::move(marks);
  }
  cv_.notify_all();
}

void StateSaver::flush() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !waiting_ && !writing_; });
}

std::optional<std::string> StateSaver::take_outcome() {
  std::lock_guard lock(mu_);
  return std::exchange(outcome_, std::nullopt);
}

void StateSaver::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return waiting_ || quit_; });
    if (!waiting_) return;  // quit, and nothing left to write
    std::vector<FileMark> marks = std::move(*waiting_);
    waiting_.reset();
    writing_ = true;
    lock.unlock();
    std::string error = save_follow_state(path_, marks);
    lock.lock();
    writing_ = false;
    outcome_ = std::move(error);
    cv_.notify_all();  // flush() waits for this
  }
}

}  // namespace tapemeasure::follow
