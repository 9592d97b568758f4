// SPDX-License-Identifier: Apache-2.0
// `report --output` never destroys what it replaces: a regular file is
// replaced whole by rename (or left as it was), a FIFO or a character device
// is written in place and stays what it was, a symbolic link is followed and
// stays a link, and anything else is refused with exit status 1 naming the
// path, nothing written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>

#include "support/log_builder.hpp"
#include "support/process.hpp"

namespace runner_metrics {
namespace {

using namespace testing;

constexpr double kT0 = 1795615200;  // 2026-11-25T14:00:00Z

std::string a_log() {
  return installed_line(kT0, "small", 10) + reconciliation_line(kT0 + 60, "small", 0, 3, 4);
}

// The page `report` writes to standard output: what every target must get.
std::string page_of(const std::string& log_path) {
  const auto result = run_cli({"report", log_path, "-o", "-"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("<!DOCTYPE html>"));
  return result.out;
}

std::size_t entries_in(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}

TEST(ReportOutput, DashIsStandardOutput) {
  TempDir dir;
  write_file(dir / "log", a_log());
  const auto result = run_cli({"report", dir / "log", "--output", "-"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(result.out.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(result.out.ends_with("</html>\n"));
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(entries_in(dir.path()), 1u) << "nothing written beside the log";
}

TEST(ReportOutput, AFifoIsWrittenInPlaceAndItsReaderGetsTheWholePage) {
  TempDir dir;
  write_file(dir / "log", a_log());
  const std::string expected = page_of(dir / "log");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0) << std::strerror(errno);
  // The reader, another thread of this process: opens the FIFO (waiting for
  // the writer) and reads to end of file.
  auto reader = std::async(std::launch::async, [path = dir / "fifo"] {
    std::string got;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::string("open failed");
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) got.append(buffer, static_cast<size_t>(n));
    ::close(fd);
    return got;
  });
  const auto result = run_cli({"report", dir / "log", "-o", dir / "fifo"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(reader.get(), expected);
  struct stat status {};
  ASSERT_EQ(::lstat((dir / "fifo").c_str(), &status), 0);
  EXPECT_TRUE(S_ISFIFO(status.st_mode)) << "the FIFO was replaced";
  EXPECT_EQ(entries_in(dir.path()), 2u) << "no temporary file left";
}

TEST(ReportOutput, ACharacterDeviceMadeWithMknodStaysADevice) {
  if (::geteuid() != 0) GTEST_SKIP() << "mknod needs root";
  TempDir dir;
  write_file(dir / "log", a_log());
  const dev_t null_device = makedev(1, 3);  // the numbers of /dev/null
  if (::mknod((dir / "device").c_str(), S_IFCHR | 0666, null_device) != 0) {
    GTEST_SKIP() << "mknod refused here (a container without CAP_MKNOD?): " << std::strerror(errno);
  }
  const auto result = run_cli({"report", dir / "log", "-o", dir / "device"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  struct stat status {};
  ASSERT_EQ(::lstat((dir / "device").c_str(), &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode)) << "the device node was replaced";
  EXPECT_EQ(status.st_rdev, null_device);
  EXPECT_EQ(entries_in(dir.path()), 2u) << "no temporary file left";
}

TEST(ReportOutput, DevNullStaysTheNullDevice) {
  TempDir dir;
  write_file(dir / "log", a_log());
  struct stat before {};
  ASSERT_EQ(::lstat("/dev/null", &before), 0);
  const auto result = run_cli({"report", dir / "log", "-o", "/dev/null"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  struct stat after {};
  ASSERT_EQ(::lstat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_rdev, before.st_rdev);
  EXPECT_EQ(after.st_ino, before.st_ino);
}

TEST(ReportOutput, ASymlinkIsFollowedItsTargetReplacedWholeAndTheLinkKept) {
  TempDir dir;
  write_file(dir / "log", a_log());
  std::filesystem::create_directory(dir / "pages");
  write_file(dir / "pages/target.html", "old page");
  ASSERT_EQ(::symlink("pages/target.html", (dir / "link.html").c_str()), 0);
  const auto result = run_cli({"report", dir / "log", "-o", dir / "link.html"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  struct stat status {};
  ASSERT_EQ(::lstat((dir / "link.html").c_str(), &status), 0);
  EXPECT_TRUE(S_ISLNK(status.st_mode)) << "the link itself was replaced";
  EXPECT_EQ(std::filesystem::read_symlink(dir / "link.html"), "pages/target.html");
  EXPECT_EQ(read_file(dir / "pages/target.html"), page_of(dir / "log"));
  EXPECT_EQ(entries_in(dir / "pages"), 1u) << "no temporary file left beside the target";
}

TEST(ReportOutput, ASymlinkToNothingIsRefused) {
  TempDir dir;
  write_file(dir / "log", a_log());
  ASSERT_EQ(::symlink("missing/page.html", (dir / "link.html").c_str()), 0);
  const auto result = run_cli({"report", dir / "log", "-o", dir / "link.html"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_TRUE(result.err.starts_with("runner-metrics: " + dir / "link.html" +
                                     ": a symbolic link to nothing"))
      << result.err;
  EXPECT_EQ(std::filesystem::read_symlink(dir / "link.html"), "missing/page.html");
  EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST(ReportOutput, ADirectoryIsRefusedWithExit1NamingIt) {
  TempDir dir;
  write_file(dir / "log", a_log());
  std::filesystem::create_directory(dir / "out");
  const auto result = run_cli({"report", dir / "log", "-o", dir / "out"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "runner-metrics: " + dir / "out" +
                            ": a directory; --output takes a regular file, a FIFO, a character "
                            "device or - (standard output)\n");
  EXPECT_EQ(entries_in(dir / "out"), 0u);
  EXPECT_EQ(entries_in(dir.path()), 2u);
}

TEST(ReportOutput, ASocketIsRefusedWithExit1NamingIt) {
  TempDir dir;
  write_file(dir / "log", a_log());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = dir / "socket";
  ASSERT_LT(path.size(), sizeof address.sun_path);
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  const auto result = run_cli({"report", dir / "log", "-o", path});
  ::close(fd);
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_TRUE(result.err.starts_with("runner-metrics: " + path + ": a socket;")) << result.err;
  struct stat status {};
  ASSERT_EQ(::lstat(path.c_str(), &status), 0);
  EXPECT_TRUE(S_ISSOCK(status.st_mode));
}

TEST(ReportOutput, ARegularFileIsReplacedWholeOrLeftAsItWas) {
  TempDir dir;
  write_file(dir / "log", a_log());
  write_file(dir / "page.html", "old page");
  // The log cannot be read: the old page stays, nothing beside it.
  const auto failed = run_cli({"report", dir / "missing.log", "-o", dir / "page.html"});
  EXPECT_EQ(failed.exit_status, 1);
  EXPECT_EQ(read_file(dir / "page.html"), "old page");
  EXPECT_EQ(entries_in(dir.path()), 2u);
  const auto result = run_cli({"report", dir / "log", "-o", dir / "page.html"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(read_file(dir / "page.html"), page_of(dir / "log"));
  EXPECT_EQ(entries_in(dir.path()), 2u);
}

}  // namespace
}  // namespace runner_metrics
