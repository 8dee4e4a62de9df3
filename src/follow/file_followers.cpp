#include "follow/file_followers.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

#include "follow/dir_watch.hpp"
#include "follow/follow_patterns.hpp"
#include "follow/follow_state.hpp"
#include "follow/followed_file.hpp"
#include "follow/problem_log.hpp"
#include "follow/state_saver.hpp"
#include "util/log.hpp"

namespace tapemeasure::follow {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {
// Bytes read per turn of the ingest loop: sockets and timers are served between turns, so
// a 10 GB backlog never holds up the stream socket for more than one chunk's matching.
constexpr std::size_t kChunkBytes = 256 * 1024;
// The safety net under inotify (NFS, a missed event, a directory that did not exist yet).
constexpr auto kPollInterval = 500ms;
constexpr auto kSaveInterval = 1s;

std::optional<FileId> stat_id(const std::string& path, int& err, bool& regular) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    err = errno;
    return std::nullopt;
  }
  regular = S_ISREG(st.st_mode);
  return FileId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}
}  // namespace

struct FileFollowers::Impl {
  Impl(net::io_context& io, FollowOptions o, ingest::LineSink& s, metrics::SelfMetrics& m, util::ThreadHealth& h)
      : ioc(io), opt(std::move(o)), sink(s), self(m), health(h), problems(m),
        watch(io, [this](bool names) { on_change(names); }), poll(io), buf(kChunkBytes) {
    if (!opt.state_path.empty() && !opt.patterns.empty()) saver = std::make_unique<StateSaver>(opt.state_path);
  }

  net::io_context& ioc;
  // False once FileFollowers is gone: a handler queued before that (the io_context outlives
  // it) checks this before it touches anything here.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  FollowOptions opt;
  ingest::LineSink& sink;
  metrics::SelfMetrics& self;
  util::ThreadHealth& health;
  ProblemLog problems;
  DirWatch watch;
  net::steady_timer poll;
  std::vector<char> buf;

  std::vector<std::unique_ptr<FollowedFile>> files;  // every open file, followed or retired
  std::map<std::string, FollowedFile*> bound;        // followed name -> its current file
  std::map<std::string, std::chrono::steady_clock::time_point> renamed_at;  // literal names rotated away, not back yet
  std::optional<std::vector<FileMark>> saved;        // the state file at start (first scan only)
  std::list<FileMark> closed;  // files read and closed, most recent first (at most opt.max_remembered_files)
  bool first_scan = true;
  bool stopped = false, pump_posted = false, rescan_wanted = false;
  std::size_t next_file = 0;  // round robin: one busy file does not starve the others
  std::vector<FileMark> last_saved;  // as last handed to the saver
  std::chrono::steady_clock::time_point last_save{};
  std::unique_ptr<StateSaver> saver;  // null without --follow-state

  FollowedFile* find(const FileId& id) {
    for (auto& f : files)
      if (f->id() == id) return f.get();
    return nullptr;
  }
  FollowedFile* adopt(std::unique_ptr<FollowedFile> f) {
    take_closed(f->id());  // open again: its open mark is the one that counts now
    files.push_back(std::move(f));
    self.follow_files.Set(static_cast<double>(files.size()));
    return files.back().get();
  }

  // Catches what the follow work throws (the sink, memory), so that following goes on: the
  // poll timer starts the next turn. Reported as a survived failure of thread "follow".
  template <class Work>
  void guarded(Work&& work) {
    try {
      work();
    } catch (...) {
      health.survived("follow", util::describe_exception(std::current_exception()));
    }
  }

  void remember_closed(FileMark m) {
    take_closed(FileId{m.dev, m.ino});
    m.closed = true;
    closed.push_front(std::move(m));
    while (closed.size() > opt.max_remembered_files) closed.pop_back();
  }
  std::optional<FileMark> take_closed(const FileId& id) {
    const auto it = std::find_if(closed.begin(), closed.end(), [&](const FileMark& m) { return FileId{m.dev, m.ino} == id; });
    if (it == closed.end()) return std::nullopt;
    FileMark m = std::move(*it);
    closed.erase(it);
    return m;
  }

  void on_change(bool names) {
    if (names) rescan_wanted = true;
    schedule_pump();
  }
  void schedule_pump() {
    if (pump_posted || stopped) return;
    pump_posted = true;
    net::post(ioc, [this, alive = alive] {
      if (*alive) pump();
    });
  }

  // Names -> files: open what appeared, retire what was rotated away.
  void scan() {
    std::set<std::string> matched, literal;
    for (const auto& pattern : opt.patterns) {
      if (!is_glob(pattern)) literal.insert(pattern);
      const auto names = expand_pattern(pattern);
      if (is_glob(pattern) && names.empty())
        problems.note(pattern, "--follow " + pattern + ": no file matches yet; watching for one");
      else if (is_glob(pattern))
        problems.resolved(pattern, "--follow " + pattern + ": matches " + std::to_string(names.size()) + " file(s)");
      matched.insert(names.begin(), names.end());
      const std::string dir = watch_dir_of(pattern);
      if (!dir.empty()) watch.watch(dir);
    }
    for (const auto& path : matched) follow_name(path, literal.contains(path));
    for (auto it = bound.begin(); it != bound.end();) {
      if (matched.contains(it->first)) {
        ++it;
        continue;
      }
      rotated_away(it->first, *it->second);
      it = bound.erase(it);
    }
    if (first_scan) {
      resume_rotated_while_down();
      // The rest stay known: a name may point at one of them again (a symlink moved back).
      // Oldest first, so that the list ends most recent first, as it was saved.
      if (saved)
        for (auto m = saved->rbegin(); m != saved->rend(); ++m)
          if (!find(FileId{m->dev, m->ino})) remember_closed(*m);
      first_scan = false;
      saved.reset();
    }
  }

  // literal: named on the command line, so its absence is worth a word (a glob's match
  // that vanished between glob() and stat() is not).
  void follow_name(const std::string& path, bool literal) {
    int err = 0;
    bool regular = true;
    const auto id = stat_id(path, err, regular);
    const auto b = bound.find(path);
    if (!id || !regular) {
      if (b != bound.end()) {  // renamed away, the new file not created yet
        rotated_away(path, *b->second);
        bound.erase(b);
        if (!id && err == ENOENT && literal) renamed_at[path] = std::chrono::steady_clock::now();
      }
      if (!id && err == ENOENT && !literal) return;
      if (!id && err == ENOENT && in_rotation_grace(path)) return;
      if (!id && err == ENOENT)
        problems.problem(path, err, "--follow " + path + ": no such file yet; it is read from its start when it appears");
      else if (!id)
        problems.problem(path, err, "--follow " + path + ": " + std::strerror(err) + "; retrying");
      else
        problems.problem(path, EINVAL, "--follow " + path + ": not a regular file; retrying");
      return;
    }
    renamed_at.erase(path);
    const std::string dir = watch_dir_of(path);
    if (!dir.empty()) watch.watch(dir);
    if (b != bound.end() && b->second->id() == *id) return;
    if (b != bound.end()) {  // a new file under the name (rename rotation)
      rotated_away(path, *b->second);
      bound.erase(b);
    }
    if (FollowedFile* known = find(*id)) {  // e.g. a glob matching both mail.log and mail.log.1
      known->retired = false;
      known->set_path(path);
      bound[path] = known;
      return;
    }
    std::string error;
    auto f = FollowedFile::open(path, opt.max_line_bytes, err, error);
    if (!f) {
      const bool denied = err == EACCES || err == EPERM;
      problems.problem(path, err, "--follow " + error +
                                      (denied ? " (give the daemon's user read access, e.g. group adm on Debian); retrying"
                                              : "; retrying"));
      return;
    }
    const std::string where = start_position(*f);
    problems.resolved(path, "--follow " + path + ": readable now");
    log::info("following " + path + " from " + where);
    bound[path] = adopt(std::move(f));
  }

  // Still within opt.rotation_grace of the name's rotation (the poll reports it after).
  bool in_rotation_grace(const std::string& path) const {
    const auto r = renamed_at.find(path);
    return r != renamed_at.end() && std::chrono::steady_clock::now() - r->second < opt.rotation_grace;
  }

  // Where reading starts, as docs/follow.md says; returns the words for the log.
  std::string start_position(FollowedFile& f) {
    if (!first_scan) {
      // Seen before (a symlink moved back to it, a name matching it again): where it was left.
      if (const auto m = take_closed(f.id())) return resume(f, *m, "where it was left");
      f.seek(0);  // created while we run: all of it is new
      return "its start (new file)";
    }
    if (!saved) {
      f.seek_end();  // like tail -F: a years-long history is not replayed at start
      return "its end (no --follow-state yet)";
    }
    const auto m = std::find_if(saved->begin(), saved->end(), [&](const FileMark& s) {
      return FileId{s.dev, s.ino} == f.id();
    });
    if (m == saved->end()) {
      f.seek(0);
      return "its start (not in the state file: created while stopped)";
    }
    return resume(f, *m, "state file");
  }

  // A file known by device and inode, read up to m.offset before. Its fingerprint (first
  // bytes) says whether it is still that file, and what happened meanwhile.
  std::string resume(FollowedFile& f, const FileMark& m, const std::string& source) {
    const std::uint64_t size = f.size();
    if (size >= m.offset && f.head_matches(m.head_len, m.head_hash)) {
      f.seek(m.offset);  // the same file, grown or not
      return "offset " + std::to_string(m.offset) + " (" + source + ")";
    }
    // Truncated meanwhile (copytruncate): the unread rest is in the copy, then all of it is new.
    if (read_copy_from(f.path(), m, nullptr)) {
      f.seek(0);
      self.follow_rotations.Add({{"kind", "truncate"}}).Increment();
      return "its start (truncated meanwhile; the rest read from its copy)";
    }
    if (size < m.offset && m.head_len > 0 && f.head_matches(m.head_len, m.head_hash)) {
      f.seek(size);  // cut shorter: what is left was read; what comes after is new
      self.follow_rotations.Add({{"kind", "truncate"}}).Increment();
      return "its new end, " + std::to_string(size) + " (cut shorter meanwhile; what is left was read)";
    }
    if (size < m.offset) self.follow_rotations.Add({{"kind", "truncate"}}).Increment();
    f.seek(0);  // truncated and written again, or another file under a reused inode
    return "its start (its first bytes changed: new content)";
  }

  // Files named in the state file that were renamed while we were down: their unread
  // rest is read too, found by inode among the usual rotation names.
  void resume_rotated_while_down() {
    if (!saved) return;
    for (const auto& m : *saved) {
      const FileId id{m.dev, m.ino};
      if (m.closed || find(id)) continue;  // a closed one was read to its end and went quiet
      auto candidates = rotation_candidates(m.path);
      candidates.insert(candidates.begin(), m.path);  // a rotated file saved under its rotated name
      for (const auto& cand : candidates) {
        int err = 0;
        bool regular = true;
        const auto cid = stat_id(cand, err, regular);
        if (!cid || *cid != id) continue;
        std::string error;
        auto f = FollowedFile::open(cand, opt.max_line_bytes, err, error);
        if (!f || f->id() != id || f->size() < m.offset || !f->head_matches(m.head_len, m.head_hash)) break;
        f->seek(m.offset);
        f->retired = true;
        f->retired_at = FollowedFile::clock::now();
        log::info("reading the rest of " + cand + " (was " + m.path + ", rotated while stopped) from offset " +
                  std::to_string(m.offset));
        adopt(std::move(f));
        self.follow_rotations.Add({{"kind", "rename"}}).Increment();
        break;
      }
    }
  }

  // copytruncate copied the file before truncating it: the bytes we had not read yet are
  // in the copy. It is the newest sibling that starts with the same bytes and is at least
  // as long as where we were.
  FollowedFile* read_copy_from(const std::string& path, const FileMark& m, FollowedFile* partial_from) {
    std::unique_ptr<FollowedFile> best;
    for (const auto& cand : rotation_candidates(path)) {
      int err = 0;
      std::string error;
      auto f = FollowedFile::open(cand, opt.max_line_bytes, err, error);
      if (!f || find(f->id()) || f->size() < m.offset || !f->head_matches(m.head_len, m.head_hash)) continue;
      // The error_code overloads: a sibling gzipped or removed meanwhile is no exception.
      std::error_code e1, e2;
      if (!best || std::filesystem::last_write_time(cand, e1) > std::filesystem::last_write_time(best->path(), e2))
        best = std::move(f);
    }
    if (!best) return nullptr;
    best->seek(m.offset);
    best->retired = true;
    best->retired_at = FollowedFile::clock::now();
    if (partial_from) partial_from->give_partial_to(*best);
    if (best->size() > m.offset)
      log::info("reading the rest of " + path + " from its copy " + best->path() + " (copytruncate)");
    return adopt(std::move(best));
  }

  // Another name than `path` still follows f (one inode under two names: a symlink and its
  // target, both matched by a glob).
  bool bound_elsewhere(const FollowedFile& f, const std::string& path) const {
    return std::any_of(bound.begin(), bound.end(), [&](const auto& b) { return b.second == &f && b.first != path; });
  }

  void rotated_away(const std::string& path, FollowedFile& f) {
    if (bound_elsewhere(f, path)) return;  // still followed under its other name
    f.retired = true;
    f.retired_at = FollowedFile::clock::now();
    self.follow_rotations.Add({{"kind", "rename"}}).Increment();
    log::info("--follow " + path + " rotated; reading the old file to its end");
  }

  // The file shrank below our offset (now `size` bytes) or its first bytes changed. Returns
  // the copy holding the unread rest, if found (copytruncate): it is to be read first, then
  // the file from 0. Otherwise reading goes on where the new content starts (see
  // FollowedFile::new_content_start): 0 when truncated and written again, the cut when cut
  // shorter, so that no line is counted twice.
  FollowedFile* truncated(FollowedFile& f, std::uint64_t size, std::uint64_t& lines) {
    self.follow_rotations.Add({{"kind", "truncate"}}).Increment();
    FileMark where = f.mark();
    where.offset = f.offset();  // the partial line moves to the copy with the bytes after it
    if (!f.retired) {
      if (FollowedFile* copy = read_copy_from(f.path(), where, &f)) {
        f.seek(0);
        return copy;
      }
    }
    const std::uint64_t start = f.new_content_start(size);
    f.flush_partial(sink, lines);
    if (start > 0)
      log::info("--follow " + f.path() + " cut shorter; its first " + std::to_string(start) +
                " bytes were read already, reading on from there");
    else
      log::info("--follow " + f.path() + " truncated; reading it again from its start");
    f.seek(start);
    return nullptr;
  }

  // Reads f until its end or the budget is spent; true when the budget is spent.
  bool read_file(FollowedFile& f, std::size_t& budget, std::uint64_t& lines) {
    while (budget > 0) {
      int err = 0;
      const std::size_t n = f.read_some(sink, budget, buf, lines, err);
      if (err) problems.problem("read " + f.path(), err, "--follow " + f.path() + ": read: " + std::strerror(err));
      if (n == 0) return false;
      budget -= n;
    }
    return true;
  }

  // One turn: look at names if something changed, then read at most kChunkBytes. After an
  // exception the next turn comes with the poll (not at once: a fault that repeats must
  // not spin).
  void pump() {
    pump_posted = false;
    if (stopped) return;
    std::uint64_t lines = 0;  // counted as given to the sink, also when it throws
    bool more = false;
    guarded([&] { more = pump_once(lines); });
    self.follow_lines.Increment(static_cast<double>(lines));
    if (more) schedule_pump();  // more to read: continue after others had a turn
  }
  bool pump_once(std::uint64_t& lines) {
    if (rescan_wanted) {
      rescan_wanted = false;
      scan();
    }
    std::size_t budget = kChunkBytes;
    const std::size_t count = files.size();
    for (std::size_t k = 0; k < count && budget > 0; ++k) {
      const std::size_t at = (next_file + k) % count;
      FollowedFile& f = *files[at];
      if (const std::uint64_t size = f.size(); size < f.offset() || f.head_changed()) {
        // The copy's lines are older than the truncated file's new ones: read them first.
        if (FollowedFile* copy = truncated(f, size, lines); copy && read_file(*copy, budget, lines)) {
          next_file = files.size() - 1;  // the copy (last in files) goes first next turn
          break;
        }
      }
      if (read_file(f, budget, lines)) next_file = (at + 1) % count;  // the others first next turn
    }
    return budget == 0;
  }

  // Closes rotated-away files that went quiet, remembering where each was left.
  void close_quiet_retired() {
    const auto now = FollowedFile::clock::now();
    next_file = 0;
    for (auto it = files.begin(); it != files.end();) {
      FollowedFile& f = **it;
      if (!f.retired || now - std::max(f.last_data, f.retired_at) < opt.retired_quiet || f.size() > f.offset() ||
          bound_elsewhere(f, {})) {
        ++it;
        continue;
      }
      // Out of `files` and remembered first, so that a sink throwing on the partial line
      // leaves nothing half done.
      const std::unique_ptr<FollowedFile> gone = std::move(*it);
      it = files.erase(it);
      self.follow_files.Set(static_cast<double>(files.size()));
      FileMark m = gone->mark();
      m.offset = gone->offset();  // the partial line is given now
      remember_closed(std::move(m));
      std::uint64_t lines = 0;
      gone->flush_partial(sink, lines);
      self.follow_lines.Increment(static_cast<double>(lines));
    }
  }

  // Hands the positions to the saver's thread, at most once a second and only when they
  // moved; `force` (stopping) also waits until they are on disk.
  void save(bool force) {
    if (!saver) return;
    report_saved();
    std::vector<FileMark> marks;
    for (const auto& f : files) marks.push_back(f->mark());
    marks.insert(marks.end(), closed.begin(), closed.end());
    // An empty list would say "every file is new" to the next start, which then reads them
    // all from their start: write none until a file was followed (e.g. not readable yet).
    if (marks.empty() && last_saved.empty()) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && (marks == last_saved || now - last_save < kSaveInterval)) return;
    last_saved = marks;
    last_save = now;
    saver->submit(std::move(marks));
    if (!force) return;
    saver->flush();
    report_saved();
  }
  void report_saved() {
    const auto outcome = saver->take_outcome();
    if (!outcome) return;
    if (!outcome->empty()) {
      problems.problem("--follow-state", EIO, "--follow-state: " + *outcome + "; positions not saved");
      last_saved.clear();  // try again at the next turn, even if nothing moved
    } else {
      problems.resolved("--follow-state", "--follow-state: saved again");
    }
  }

  // The safety net: look at names and sizes whatever inotify said, retire, save.
  void on_poll() {
    poll.expires_after(kPollInterval);
    poll.async_wait([this, alive = alive](boost::system::error_code ec) {
      if (!*alive || ec || stopped) return;
      rescan_wanted = true;
      schedule_pump();  // not pump(): a pump already queued would make a second loop of them
      guarded([&] { close_quiet_retired(); });
      guarded([&] { save(false); });
      on_poll();
    });
  }
};

FileFollowers::FileFollowers(net::io_context& ioc, FollowOptions options, ingest::LineSink& sink,
                             metrics::SelfMetrics& self, util::ThreadHealth& health)
    : impl_(std::make_unique<Impl>(ioc, std::move(options), sink, self, health)) {
  auto& d = *impl_;
  for (const auto& p : d.opt.patterns)
    if (p.empty()) throw std::runtime_error("--follow wants a path or a glob, got an empty string");
  if (d.opt.patterns.empty() || d.opt.state_path.empty()) return;
  d.saved = load_follow_state(d.opt.state_path);
  std::string dir = std::filesystem::path(d.opt.state_path).parent_path().string();
  if (dir.empty()) dir = ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error("--follow-state " + d.opt.state_path + ": cannot write in " + dir + ": " +
                             std::strerror(errno));
}

FileFollowers::~FileFollowers() {
  stop();
  // Handlers already queued (a pump, a poll that fired) may still run on the io_context:
  // they find this false and leave Impl, which is about to go, alone.
  *impl_->alive = false;
}

void FileFollowers::start() {
  auto& d = *impl_;
  if (d.opt.patterns.empty() || d.stopped) return;
  d.guarded([&] { d.scan(); });
  d.watch.start();
  d.on_poll();
  d.schedule_pump();
}

void FileFollowers::stop() {
  auto& d = *impl_;
  if (d.opt.patterns.empty() || d.stopped) return;
  d.stopped = true;
  d.poll.cancel();
  d.watch.stop();
  d.save(true);
  d.saver.reset();
}

}  // namespace tapemeasure::follow
