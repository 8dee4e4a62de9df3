#include "support/test_support.hpp"

#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "metrics/exposition.hpp"
#include "rulefile/rule_file_parser.hpp"

extern char** environ;

namespace tapemeasure::testing {

namespace fs = std::filesystem;

fs::path source_dir() { return TAPEMEASURE_SOURCE_DIR; }
fs::path tapemeasure_binary() { return TAPEMEASURE_BINARY; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

TempDir::TempDir() {
  std::string tmpl = (fs::path(::testing::TempDir()) / "tapemeasure-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& name, std::string_view content) const {
  const fs::path p = path_ / name;
  fs::create_directories(p.parent_path());
  write_file(p, content);
  return p;
}

std::shared_ptr<const rules::RuleSet> compile_yaml(std::string_view yaml, rules::RuleErrors& errors,
                                                   const std::string& file) {
  std::vector<rules::RuleFileSpec> files{rules::parse_rule_file(file, yaml, errors)};
  if (!errors.empty()) return nullptr;
  return rules::RuleSet::compile(files, errors);
}

std::shared_ptr<const rules::RuleSet> must_compile(std::string_view yaml) {
  rules::RuleErrors errors;
  auto set = compile_yaml(yaml, errors);
  EXPECT_TRUE(errors.empty()) << rules::to_string(errors);
  EXPECT_NE(set, nullptr);
  return set;
}

std::vector<std::string> error_lines(std::string_view yaml, const std::string& file) {
  rules::RuleErrors errors;
  const auto set = compile_yaml(yaml, errors, file);
  EXPECT_EQ(set, nullptr) << "expected the rules not to compile";
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.to_string());
  return out;
}

Engine::Engine(metrics::MetricStore::Options options, std::string_view version, int match_threads,
               std::size_t max_remembered)
    : self(registry, version), store(registry, self, options), processor(store, self, match_threads, max_remembered) {}

std::string Engine::exposition() const { return metrics::render_text_exposition(registry); }

namespace {

bool is_name_char(char c, bool first) {
  return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (!first && c >= '0' && c <= '9');
}

bool parse_value(std::string_view s, double& out) {
  if (s == "+Inf") return out = HUGE_VAL, true;
  if (s == "-Inf") return out = -HUGE_VAL, true;
  if (s == "NaN") return out = NAN, true;
  std::string str(s);
  char* end = nullptr;
  out = std::strtod(str.c_str(), &end);
  return !str.empty() && end == str.c_str() + str.size();
}

}  // namespace

Exposition parse_exposition(std::string_view text) {
  Exposition e;
  if (!text.empty() && text.back() != '\n') e.problems.push_back("output does not end with a newline");
  for (const auto& line : split_lines(text)) {
    const auto bad = [&](const std::string& why) { e.problems.push_back(why + ": " + line); };
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const std::string_view rest = std::string_view(line).substr(7);
      const auto sp = rest.find(' ');
      const std::string name(rest.substr(0, sp));
      const std::string value(sp == std::string_view::npos ? "" : rest.substr(sp + 1));
      (line[2] == 'H' ? e.help : e.type)[name] = value;
      continue;
    }
    if (line.starts_with("#")) continue;
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && is_name_char(line[i], i == 0)) ++i;
    if (i == 0) {
      bad("no metric name");
      continue;
    }
    s.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      bool ok = true;
      while (ok && i < line.size() && line[i] != '}') {
        const std::size_t start = i;
        while (i < line.size() && is_name_char(line[i], i == start) && line[i] != ':') ++i;
        const std::string label = line.substr(start, i - start);
        if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
          ok = false;
          break;
        }
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            if (i + 1 >= line.size()) break;
            const char c = line[++i];
            if (c == 'n') value += '\n';
            else if (c == '\\' || c == '"') value += c;
            else ok = false;
          } else {
            value += line[i];
          }
          ++i;
        }
        if (i >= line.size()) {
          ok = false;
          break;
        }
        ++i;  // closing quote
        s.labels[label] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (!ok || i >= line.size()) {
        bad("malformed label set");
        continue;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      bad("no value");
      continue;
    }
    std::string_view value = std::string_view(line).substr(i + 1);
    if (const auto sp = value.find(' '); sp != std::string_view::npos) value = value.substr(0, sp);  // timestamp
    if (!parse_value(value, s.value)) {
      bad("value is not a number");
      continue;
    }
    e.samples.push_back(std::move(s));
  }
  return e;
}

std::optional<double> sample_value(const Exposition& e, std::string_view name,
                                   const std::map<std::string, std::string>& labels) {
  for (const auto& s : e.samples)
    if (s.name == name && s.labels == labels) return s.value;
  return std::nullopt;
}

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::optional<fs::path>& stdin_file) {
  static std::atomic<int> counter{0};
  TempDir dir;
  const fs::path out_path = dir.path() / ("out" + std::to_string(counter++));
  const fs::path err_path = dir.path() / ("err" + std::to_string(counter++));
  const std::string in_path = stdin_file ? stdin_file->string() : "/dev/null";

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  CommandResult r;
  if (rc != 0) {
    r.err = "posix_spawn failed: " + std::string(std::strerror(rc));
    return r;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

CommandResult run_tapemeasure(const std::vector<std::string>& args,
                              const std::optional<fs::path>& stdin_file) {
  std::vector<std::string> argv{tapemeasure_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, stdin_file);
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string path_param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace tapemeasure::testing
