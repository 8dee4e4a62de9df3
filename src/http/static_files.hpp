#pragma once
// Maps a request target to a file under the web root, refusing anything that could leave
// it: "..", encoded "..", NUL, backslashes, and symlinks whose target lies outside.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tapemeasure::http {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // The file to serve for `target` (path + optional query), or nullopt (-> 404).
  std::optional<std::filesystem::path> resolve(std::string_view target) const;
  const std::filesystem::path& root() const { return root_; }

  static std::string_view content_type(const std::filesystem::path& file);

 private:
  std::filesystem::path root_;  // canonical
};

// Percent-decoding; nullopt for malformed escapes or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace tapemeasure::http
