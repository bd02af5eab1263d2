#include "private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace naervaer {

void write_owner_only_file(const std::filesystem::path& path, const std::string& content) {
  const auto fail = [&](const char* what) {
    throw std::runtime_error(std::string(what) + " " + path.string() + ": " +
                             std::error_code(errno, std::generic_category()).message());
  };
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create");
  // An existing file keeps its mode on open: health data is for its owner only.
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    fail("cannot restrict");
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) fail("cannot write");
}

}  // namespace naervaer
