// inotify on a real temporary directory: names appearing, moving and going are "names
// changed", writes to a file in it are not; a directory that is missing cannot be watched
// yet and can be once it exists, also after it was removed and made again.
#include "follow/dir_watch.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

#include "support/test_support.hpp"

namespace tapemeasure::follow {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class DirWatchTest : public ::testing::Test {
 protected:
  bool run_until(const std::function<bool()>& pred) { return tapemeasure::testing::run_until(ioc, pred, 3s); }
  // Takes what was seen so far, after letting events already queued arrive.
  std::vector<bool> drain() {
    ioc.restart();
    ioc.run_for(50ms);
    return std::exchange(events, {});
  }
  static void write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::app | std::ios::binary) << text;
  }

  testing::TempDir tmp;
  boost::asio::io_context ioc;
  std::vector<bool> events;  // names_changed of each event
  DirWatch watch{ioc, [this](bool names) { events.push_back(names); }};
};

TEST_F(DirWatchTest, NamesChangingAndContentsChangingAreTold) {
  const fs::path dir = tmp.path();
  ASSERT_TRUE(watch.watch(dir.string()));
  EXPECT_TRUE(watch.watch(dir.string()));  // idempotent
  watch.start();

  write(dir / "a.log", "created\n");
  ASSERT_TRUE(run_until([&] { return !events.empty(); }));
  auto seen = drain();
  EXPECT_TRUE(std::find(seen.begin(), seen.end(), true) != seen.end()) << "a new name";

  write(dir / "a.log", "appended\n");
  ASSERT_TRUE(run_until([&] { return !events.empty(); }));
  seen = drain();
  EXPECT_TRUE(std::find(seen.begin(), seen.end(), true) == seen.end()) << "only contents changed";

  fs::rename(dir / "a.log", dir / "a.log.1");
  ASSERT_TRUE(run_until([&] { return std::find(events.begin(), events.end(), true) != events.end(); }));
  drain();
  fs::remove(dir / "a.log.1");
  ASSERT_TRUE(run_until([&] { return std::find(events.begin(), events.end(), true) != events.end(); }));
}

TEST_F(DirWatchTest, AMissingDirectoryIsWatchedOnceItExistsAndAgainAfterItWasMadeAnew) {
  const fs::path dir = tmp.path() / "later";
  EXPECT_FALSE(watch.watch(dir.string()));
  watch.start();
  fs::create_directory(dir);
  ASSERT_TRUE(watch.watch(dir.string()));
  write(dir / "x.log", "x\n");
  ASSERT_TRUE(run_until([&] { return !events.empty(); }));
  drain();

  // Removed (the kernel drops the watch) and made again: watch() must not take the old
  // watch for a live one.
  fs::remove_all(dir);
  ASSERT_TRUE(run_until([&] { return !events.empty(); }));
  drain();
  fs::create_directory(dir);
  ASSERT_TRUE(watch.watch(dir.string()));
  write(dir / "y.log", "y\n");
  ASSERT_TRUE(run_until([&] { return !events.empty(); })) << "no event from the directory made again";
}

}  // namespace
}  // namespace tapemeasure::follow
