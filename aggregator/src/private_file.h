// Files of health data and of secrets: readable by their owner only.
#pragma once

#include <filesystem>
#include <string>

namespace naervaer {

// Writes `content` to `path`, readable by its owner only (0600), replacing the file. Throws
// std::runtime_error naming the path.
void write_owner_only_file(const std::filesystem::path& path, const std::string& content);

}  // namespace naervaer
