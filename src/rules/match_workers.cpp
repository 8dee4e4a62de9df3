#include "rules/match_workers.hpp"

#include <algorithm>

namespace tapemeasure::rules {
namespace {

// Small enough that the caller and helpers finish together, big enough that taking a
// chunk (one atomic add, one lock) costs nothing next to matching it.
constexpr std::size_t kChunkLines = 48;

}  // namespace

MatchWorkers::MatchWorkers(int helpers) : scratch_(static_cast<std::size_t>(std::max(helpers, 0))) {
  for (int i = 0; i < std::max(helpers, 0); ++i) threads_.emplace_back([this, i] { run(i); });
}

MatchWorkers::~MatchWorkers() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void MatchWorkers::take_chunks(const Job& job, MatchScratch& scratch) {
  for (;;) {
    const std::size_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed);
    if (c >= job.chunks) return;
    const std::size_t begin = c * job.lines.size() / job.chunks, end = (c + 1) * job.lines.size() / job.chunks;
    (*job.out)[c].match(*job.set, job.lines.subspan(begin, end - begin), scratch, job.all_fields,
                        job.first_line_no + begin, job.timing_sample);
    bool all_done = false;
    {
      std::lock_guard lock(mutex_);
      all_done = ++chunks_done_ == job.chunks;
    }
    if (all_done) done_.notify_all();
  }
}

void MatchWorkers::match(const RuleSet& set, std::span<const std::string_view> lines, bool all_fields,
                         std::uint64_t first_line_no, std::uint64_t timing_sample, MatchScratch& own_scratch,
                         std::vector<MatchedBatch>& out) {
  const std::size_t chunks = std::max<std::size_t>(1, (lines.size() + kChunkLines - 1) / kChunkLines);
  out.resize(chunks);
  for (auto& b : out) b.clear();
  Job job{&set, lines, all_fields, first_line_no, timing_sample, &out, chunks};
  {
    // A helper that woke late for the previous job may still hold it: the chunk counter is
    // reset only once it has let go (it takes no chunk then, as all were taken).
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return helpers_busy_ == 0; });
    job_ = job;
    next_chunk_.store(0, std::memory_order_relaxed);
    chunks_done_ = 0;
    ++generation_;
  }
  wake_.notify_all();
  take_chunks(job, own_scratch);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return chunks_done_ == chunks; });
}

void MatchWorkers::run(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
      ++helpers_busy_;
    }
    take_chunks(job, scratch_[static_cast<std::size_t>(index)]);
    {
      std::lock_guard lock(mutex_);
      --helpers_busy_;
    }
    done_.notify_all();
  }
}

}  // namespace tapemeasure::rules
