#include "rules/match_workers.hpp"

#include <algorithm>
#include <exception>
#include <limits>

namespace tapemeasure::rules {
namespace {

// Small enough that applying can start early and both sides finish together, big enough
// that claiming a chunk (one atomic add, one lock) costs nothing next to matching it.
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

MatchWorkers::Copies MatchWorkers::copies_for_helpers(const RuleSet& rules) const {
  Copies copies;
  for (std::size_t h = 0; h < threads_.size(); ++h) copies.push_back(rules.clone_for_thread());
  return copies;
}

void MatchWorkers::use(Copies copies) {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return helpers_busy_ == 0; });  // none is reading rules_
  rules_.swap(copies);
}

void MatchWorkers::retire_job() {
  next_chunk_.store(std::numeric_limits<std::size_t>::max() / 2, std::memory_order_relaxed);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return helpers_busy_ == 0; });
}

bool MatchWorkers::match_one(const Job& job, const RuleSet& set, MatchScratch& scratch) {
  const std::size_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed);
  if (c >= job.chunks) return false;
  const std::size_t begin = chunk_begin(job, c), end = chunk_begin(job, c + 1);
  // results_ is not resized while a job runs, and each chunk has one writer.
  results_[c].match(set, job.lines.subspan(begin, end - begin), scratch, job.all_fields, job.first_line_no + begin,
                    job.timing_sample);
  {
    std::lock_guard lock(mutex_);
    chunk_done_[c] = 1;
  }
  done_.notify_all();
  return true;
}

void MatchWorkers::match(const RuleSet& set, std::span<const std::string_view> lines, bool all_fields,
                         std::uint64_t first_line_no, std::uint64_t timing_sample, MatchScratch& own_scratch,
                         const Apply& apply) {
  const std::size_t chunks = std::max<std::size_t>(1, (lines.size() + kChunkLines - 1) / kChunkLines);
  const Job job{lines, all_fields, first_line_no, timing_sample, chunks};
  {
    // A helper that woke late for the previous job may still hold it: the chunk counter and
    // the results are reset only once it has let go (it takes no chunk then: none is left).
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return helpers_busy_ == 0; });
    if (results_.size() < chunks) results_.resize(chunks);
    for (std::size_t c = 0; c < chunks; ++c) results_[c].clear();
    chunk_done_.assign(chunks, 0);
    job_ = job;
    next_chunk_.store(0, std::memory_order_relaxed);
    ++generation_;
  }
  wake_.notify_all();

  // If applying throws (out of memory), the caller unwinds and frees the lines: helpers
  // must be done with them first.
  struct Retire {
    MatchWorkers& self;
    int exceptions = std::uncaught_exceptions();
    ~Retire() {
      if (std::uncaught_exceptions() > exceptions) self.retire_job();
    }
  } retire_on_throw{*this};

  for (std::size_t next = 0; next < chunks;) {
    bool ready = false;
    {
      std::lock_guard lock(mutex_);
      ready = chunk_done_[next] != 0;
    }
    if (ready) {
      apply(results_[next], chunk_begin(job, next));
      ++next;
    } else if (!match_one(job, set, own_scratch)) {
      // Every chunk is taken; the next one is still being matched by a helper.
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return chunk_done_[next] != 0; });
    }
  }
}

void MatchWorkers::run(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    Job job;
    const RuleSet* set = nullptr;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
      set = rules_[static_cast<std::size_t>(index)].get();
      ++helpers_busy_;
    }
    while (match_one(job, *set, scratch_[static_cast<std::size_t>(index)]))
      helper_chunks_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mutex_);
      --helpers_busy_;
    }
    done_.notify_all();
  }
}

}  // namespace tapemeasure::rules
