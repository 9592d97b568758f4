// SPDX-License-Identifier: Apache-2.0
// `runner-metrics serve` against the clients an attacker would send: slow
// ones, ones that never read, oversized, malformed, pipelined, too many.
// Each test asserts what exactly comes back on the wire, over real sockets.
// (The same under load, with timings, is tests/tools/serve_load.py.)
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/serve_support.hpp"

namespace runner_metrics {
namespace {

using namespace std::chrono_literals;
using namespace testing;

const std::string kScrape = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

// What came back on a connection: every byte until the server closed it
// (`closed`) or `timeout` passed.
struct Received {
  std::string bytes;
  bool closed = false;
};

Received send_and_read(int fd, const std::string& request, std::chrono::milliseconds timeout,
                       bool until_answered = false) {
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close before reading all
    sent += static_cast<std::size_t>(n);
  }
  Received received;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      received.closed = true;
      break;
    }
    received.bytes.append(buffer, static_cast<std::size_t>(n));
    if (until_answered && holds_whole_answer(received.bytes)) break;
  }
  return received;
}

Received exchange(int port, const std::string& request, std::chrono::milliseconds timeout = 10s) {
  const int fd = connect_loopback(port);
  Received received = send_and_read(fd, request, timeout);
  ::close(fd);
  return received;
}

// The status lines of the answers, in order.
std::vector<std::string> status_lines(const std::string& bytes) {
  std::vector<std::string> lines;
  for (auto at = bytes.find("HTTP/1.1 "); at != std::string::npos;
       at = bytes.find("HTTP/1.1 ", at + 1)) {
    if (at == 0 || bytes.compare(at - 1, 1, "\n") == 0) {
      lines.push_back(bytes.substr(at, bytes.find("\r\n", at) - at));
    }
  }
  return lines;
}

TEST(ServeHostile, AnOversizedRequestLineGets414AndTheConnectionCloses) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  const Received r =
      exchange(serve.port(), "GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\n\r\n" + kScrape);
  EXPECT_EQ(status_lines(r.bytes), std::vector<std::string>{"HTTP/1.1 414 URI Too Long"});
  EXPECT_NE(r.bytes.find("\r\nConnection: close\r\n"), std::string::npos) << r.bytes;
  EXPECT_TRUE(r.closed);
}

TEST(ServeHostile, OversizedHeadersGet431AndTheConnectionCloses) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  std::string many = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5'000; ++i) many += "X: y\r\n";
  for (const std::string& request :
       {"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + std::string(20'000, 'b') + "\r\n\r\n", many}) {
    const Received r = exchange(serve.port(), request + ("\r\n" + kScrape));
    EXPECT_EQ(status_lines(r.bytes),
              std::vector<std::string>{"HTTP/1.1 431 Request Header Fields Too Large"});
    EXPECT_TRUE(r.closed);
  }
}

TEST(ServeHostile, ARejectedRequestClosesTheConnectionAndWhatFollowsIsNeverParsed) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  // 404, 405 and a 405 whose body is itself a request: one answer each, then closed.
  const Received not_found =
      exchange(serve.port(), "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + kScrape);
  EXPECT_EQ(status_lines(not_found.bytes), std::vector<std::string>{"HTTP/1.1 404 Not Found"});
  EXPECT_TRUE(not_found.closed);
  const Received not_allowed =
      exchange(serve.port(), "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n" + kScrape);
  EXPECT_EQ(status_lines(not_allowed.bytes),
            std::vector<std::string>{"HTTP/1.1 405 Method Not Allowed"});
  EXPECT_TRUE(not_allowed.closed);
  const Received smuggled =
      exchange(serve.port(), "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                 std::to_string(kScrape.size()) + "\r\n\r\n" + kScrape + kScrape);
  EXPECT_EQ(status_lines(smuggled.bytes),
            std::vector<std::string>{"HTTP/1.1 405 Method Not Allowed"});
  EXPECT_TRUE(smuggled.closed);
  // A request line that is not one: closed, nothing answered, nothing after it read.
  const Received garbage = exchange(serve.port(), "GARBAGE\r\n\r\n" + kScrape);
  EXPECT_EQ(garbage.bytes, "");
  EXPECT_TRUE(garbage.closed);
}

TEST(ServeHostile, ConnectionCloseIsHonoured) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  const Received r =
      exchange(serve.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + kScrape);
  EXPECT_EQ(status_lines(r.bytes), std::vector<std::string>{"HTTP/1.1 200 OK"});
  EXPECT_NE(r.bytes.find("\r\nConnection: close\r\n"), std::string::npos) << r.bytes;
  EXPECT_TRUE(r.closed);
}

TEST(ServeHostile, PipelinedRequestsAreAnsweredInOrderAndTheAdvertisedMaxIsHonoured) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  std::string requests;
  for (int i = 0; i < 101; ++i) {
    requests += i % 2 == 0 ? kScrape : "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  const Received r = exchange(serve.port(), requests);
  EXPECT_EQ(status_lines(r.bytes), std::vector<std::string>(100, "HTTP/1.1 200 OK"));
  EXPECT_NE(r.bytes.find("Keep-Alive: timeout=10, max=99\r\n"), std::string::npos);
  EXPECT_NE(r.bytes.find("Keep-Alive: timeout=10, max=1\r\n"), std::string::npos);
  // The 100th says so, and the 101st request is never answered.
  EXPECT_EQ(r.bytes.find("Connection: close"), r.bytes.rfind("Connection: close"));
  EXPECT_GT(r.bytes.find("Connection: close"), r.bytes.find("max=1\r\n"));
  EXPECT_TRUE(r.closed);
}

TEST(ServeHostile, ARequestWithBareLineFeedsIsAnswered) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  const Received r = exchange(
      serve.port(), "GET /metrics HTTP/1.1\nHost: x\n\nGET / HTTP/1.1\nConnection: close\n\n");
  EXPECT_EQ(status_lines(r.bytes), std::vector<std::string>(2, "HTTP/1.1 200 OK"));
  EXPECT_TRUE(r.closed);
}

TEST(ServeHostile, ClientsTricklingHeadersOrNeverReadingDoNotHoldUpScrapes) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  // 40 clients send a header a byte at a time (as long as the test runs),
  // and 20 ask for /metrics 50 times each and never read an answer.
  std::vector<int> trickling;
  trickling.reserve(40);
  std::vector<int> never_reading;
  const auto connected = std::chrono::steady_clock::now();
  for (int i = 0; i < 40; ++i) trickling.push_back(connect_loopback(serve.port(), "127.0.3.1"));
  std::string many;
  for (int i = 0; i < 50; ++i) many += kScrape;
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_loopback(serve.port(), "127.0.3.2");
    ::send(fd, many.data(), many.size(), MSG_NOSIGNAL);
    never_reading.push_back(fd);
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    const std::string header = "GET /metrics HTTP/1.1\r\nX-Slow: ";
    for (std::size_t i = 0; !done; ++i) {
      for (const int fd : trickling) {
        ::send(fd, i < header.size() ? &header[i] : "a", 1, MSG_NOSIGNAL);
      }
      std::this_thread::sleep_for(100ms);
    }
  });
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(http_request(serve.port(), "GET", "/metrics").status, 200) << i;
  }
  // The tricklers are unanswered, and still connected unless the scrapes
  // took longer than their 10 s deadline (a loaded machine).
  const bool past_deadline = std::chrono::steady_clock::now() - connected >= 10s;
  for (const int fd : trickling) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) continue;
    char byte = 0;
    EXPECT_LE(::recv(fd, &byte, 1, MSG_DONTWAIT), 0) << "a trickler got an answer";
    EXPECT_TRUE(past_deadline) << "a trickler was closed before its deadline";
  }
  done = true;
  trickle.join();
  for (const int fd : trickling) ::close(fd);
  for (const int fd : never_reading) ::close(fd);
}

TEST(ServeHostile, ConnectionsOverTheCapPerAddressAreClosedAtOnce) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log", {"--max-connections-per-address", "4"});
  std::vector<int> held;
  held.reserve(4);
  for (int i = 0; i < 4; ++i) held.push_back(connect_loopback(serve.port(), "127.0.4.1"));
  // Let the server accept them before the fifth comes.
  for (const int fd : held) {
    const Received r = send_and_read(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 10s, true);
    EXPECT_EQ(status_lines(r.bytes), std::vector<std::string>{"HTTP/1.1 200 OK"});
  }
  const int fifth = connect_loopback(serve.port(), "127.0.4.1");
  const Received refused = send_and_read(fifth, kScrape, 10s);
  EXPECT_EQ(refused.bytes, "");
  EXPECT_TRUE(refused.closed);
  ::close(fifth);
  // Another address is served.
  const int other = connect_loopback(serve.port(), "127.0.4.2");
  const Received served =
      send_and_read(other, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10s);
  EXPECT_EQ(status_lines(served.bytes), std::vector<std::string>{"HTTP/1.1 200 OK"});
  ::close(other);
  for (const int fd : held) ::close(fd);
}

TEST(ServeHostile, ClientsOverTheConnectionCapWaitTheirTurn) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log", {"--max-connections", "3"});
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(connect_loopback(serve.port(), "127.0.5.1"));
    const Received r = send_and_read(held.back(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 10s, true);
    EXPECT_EQ(status_lines(r.bytes), std::vector<std::string>{"HTTP/1.1 200 OK"});
  }
  // The fourth waits in the backlog, unanswered, until a place is free.
  const int fourth = connect_loopback(serve.port(), "127.0.5.2");
  const std::string close_request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const Received waiting = send_and_read(fourth, close_request, 500ms);
  EXPECT_EQ(waiting.bytes, "");
  EXPECT_FALSE(waiting.closed);
  ::close(held.back());
  held.pop_back();
  const Received served = send_and_read(fourth, "", 10s);
  EXPECT_EQ(status_lines(served.bytes), std::vector<std::string>{"HTTP/1.1 200 OK"});
  EXPECT_TRUE(served.closed);
  ::close(fourth);
  for (const int fd : held) ::close(fd);
}

TEST(ServeHostile, AClientTricklingItsHeadersIsCutOffTenSecondsAfterConnecting) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  // Before connecting: the deadline counts from the server's accept, later.
  const auto start = std::chrono::steady_clock::now();
  const int fd = connect_loopback(serve.port());
  // A byte every half second: never idle, never done, until cut off.
  const std::string header = "GET /metrics HTTP/1.1\r\nX-Slow: " + std::string(200, 'a');
  Received r;
  for (std::size_t i = 0; i < header.size() && !r.closed; ++i) {
    r = send_and_read(fd, header.substr(i, 1), 500ms);
  }
  EXPECT_EQ(r.bytes, "");
  EXPECT_TRUE(r.closed);
  // Cut off by the deadline (10 s), not by the 16 KiB limit (never reached).
  EXPECT_GE(std::chrono::steady_clock::now() - start, 10s);
  ::close(fd);
  EXPECT_EQ(http_request(serve.port(), "GET", "/metrics").status, 200);
}

TEST(ServeHostile, AfterAnAnswerTheNextRequestIsDueTenSecondsLater) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  const int fd = connect_loopback(serve.port());
  const auto opened = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(3s);
  const auto asked = std::chrono::steady_clock::now();
  const Received first = send_and_read(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 10s, true);
  ASSERT_EQ(status_lines(first.bytes), std::vector<std::string>{"HTTP/1.1 200 OK"});
  ASSERT_FALSE(first.closed);
  // The next request trickles: it is cut off 10 s after the answer (so at
  // least 10 s after it was asked for), not 10 s after the connection
  // opened, and not never.
  const std::string header = "GET /metrics HTTP/1.1\r\nX-Slow: " + std::string(200, 'a');
  Received r;
  for (std::size_t i = 0; i < header.size() && !r.closed; ++i) {
    r = send_and_read(fd, header.substr(i, 1), 500ms);
  }
  EXPECT_TRUE(r.closed);
  EXPECT_GE(std::chrono::steady_clock::now() - opened, 12s);
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 10s);
  ::close(fd);
}

TEST(ServeHostile, AnIdleConnectionIsClosedAfterTenSeconds) {
  TempDir dir;
  ServeProcess serve(dir / "metrics.log");
  const int fd = connect_loopback(serve.port());
  const Received r = send_and_read(fd, "", 30s);
  EXPECT_EQ(r.bytes, "");
  EXPECT_TRUE(r.closed);
  ::close(fd);
}

}  // namespace
}  // namespace runner_metrics
