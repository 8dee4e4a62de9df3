#pragma once
// Minimal leveled logging to stderr: one line per thing worth knowing (start, listen
// addresses, reloads, errors). Thread-safe; a line is written with a single write(2).
#include <string_view>

namespace tapemeasure::log {

enum class Level { debug, info, warn, error };

void set_level(Level level);
bool parse_level(std::string_view name, Level& out);
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void debug(std::string_view m) { if (enabled(Level::debug)) write(Level::debug, m); }
inline void info(std::string_view m) { write(Level::info, m); }
inline void warn(std::string_view m) { write(Level::warn, m); }
inline void error(std::string_view m) { write(Level::error, m); }

}  // namespace tapemeasure::log
