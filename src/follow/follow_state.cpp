#include "follow/follow_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace tapemeasure::follow {

using json = nlohmann::json;

namespace {
// 2: `closed` marks, heads of up to 1 KiB. A version-1 binary refuses it (an older daemon
// would read those heads wrongly and count whole files again); version 1 is read as is.
constexpr int kVersion = 2;
constexpr int kOldestReadable = 1;
}

std::optional<std::vector<FileMark>> load_follow_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw std::runtime_error("--follow-state " + path + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::vector<FileMark> marks;
  try {
    const json doc = json::parse(text.str());
    const int version = doc.at("version").get<int>();
    if (version < kOldestReadable || version > kVersion)
      throw std::runtime_error("unknown version " + doc.at("version").dump());
    for (const auto& f : doc.at("files")) {
      FileMark m;
      m.path = f.at("path").get<std::string>();
      m.dev = f.at("dev").get<std::uint64_t>();
      m.ino = f.at("ino").get<std::uint64_t>();
      m.offset = f.at("offset").get<std::uint64_t>();
      m.head_len = f.value("head_len", 0u);
      m.head_hash = f.value("head_hash", std::uint64_t{0});
      m.closed = f.value("closed", false);
      marks.push_back(std::move(m));
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("--follow-state " + path + " is not a state file tapemeasure wrote (" + e.what() +
                             "); move it away to start afresh");
  }
  return marks;
}

std::string save_follow_state(const std::string& path, const std::vector<FileMark>& marks) {
  json files = json::array();
  for (const auto& m : marks)
    files.push_back({{"path", m.path}, {"dev", m.dev}, {"ino", m.ino}, {"offset", m.offset},
                     {"head_len", m.head_len}, {"head_hash", m.head_hash}, {"closed", m.closed}});
  const std::string text = json{{"version", kVersion}, {"files", files}}.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
  // (replace: a name that is not UTF-8 must not throw on the ingest thread; the inode finds it)
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return "cannot write " + tmp + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string err = std::strerror(errno);
      ::close(fd);
      return "cannot write " + tmp + ": " + err;
    }
    done += static_cast<std::size_t>(n);
  }
  // Without the fsync a power cut after the rename can leave an empty file under PATH.
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return "cannot fsync " + tmp + ": " + std::strerror(errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return "cannot rename " + tmp + ": " + std::strerror(errno);
  return {};
}

}  // namespace tapemeasure::follow
