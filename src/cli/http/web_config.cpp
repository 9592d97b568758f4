// SPDX-License-Identifier: Apache-2.0
#include "web_config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace runner_metrics::cli {

namespace {

// A cert or key is a few KiB; a bigger file is not one.
constexpr std::uintmax_t kMaxPemBytes = std::uintmax_t{1} << 20;

[[noreturn]] void invalid(const std::string& path, const std::string& key, const std::string& why) {
  throw std::invalid_argument(fmt::format("{}: {}{}{}", path, key, key.empty() ? "" : ": ", why));
}

std::string scalar(const std::string& path, const std::string& key, const YAML::Node& node) {
  if (!node.IsScalar()) invalid(path, key, "must be a string");
  return node.Scalar();
}

std::string read_pem(const std::string& path, const std::string& key, const YAML::Node& node) {
  std::filesystem::path file = scalar(path, key, node);
  if (file.empty()) invalid(path, key, "must not be empty");
  if (file.is_relative()) file = std::filesystem::path(path).parent_path() / file;
  std::error_code error;
  if (std::filesystem::file_size(file, error) > kMaxPemBytes && !error) {
    invalid(path, key, fmt::format("{} is over 1 MiB: not a PEM file", file.string()));
  }
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    invalid(path, key,
            fmt::format("cannot read {}: {}", file.string(),
                        errno != 0 ? std::strerror(errno) : "empty"));
  }
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    invalid(path, key, fmt::format("{} is not PEM", file.string()));
  }
  return text.str();
}

// $2a$, $2b$ or $2y$, a two-digit cost, then 53 characters of salt and hash.
bool is_bcrypt(const std::string& hash) {
  return hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
         (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$' &&
         std::isdigit(static_cast<unsigned char>(hash[4])) != 0 &&
         std::isdigit(static_cast<unsigned char>(hash[5])) != 0 && hash[6] == '$';
}

}  // namespace

WebConfig read_web_config(const std::string& path) {
  YAML::Node root;
  try {
    if (!std::filesystem::is_regular_file(path)) {
      invalid(path, "", std::filesystem::exists(path) ? "not a regular file" : "no such file");
    }
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    invalid(path, "", fmt::format("not YAML: {}", e.what()));
  }
  WebConfig config;
  if (root.IsNull()) return config;  // an empty file: plain HTTP, no auth
  if (!root.IsMap()) invalid(path, "", "must be a mapping of keys to settings");

  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>("");
    const YAML::Node& value = entry.second;
    if (key == "tls_server_config") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) invalid(path, key, "must be a mapping");
      for (const auto& tls : value) {
        const std::string name = tls.first.as<std::string>("");
        const std::string full = fmt::format("{}.{}", key, name);
        if (name == "cert_file") {
          config.cert_pem = read_pem(path, full, tls.second);
        } else if (name == "key_file") {
          config.key_pem = read_pem(path, full, tls.second);
        } else {
          invalid(path, full, "not supported by runner-metrics (only cert_file and key_file)");
        }
      }
      if (config.cert_pem.empty()) invalid(path, key + ".cert_file", "missing");
      if (config.key_pem.empty()) invalid(path, key + ".key_file", "missing");
    } else if (key == "basic_auth_users") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) invalid(path, key, "must be a mapping of users to bcrypt hashes");
      for (const auto& user : value) {
        const std::string name = user.first.as<std::string>("");
        const std::string full = fmt::format("{}.{}", key, name);
        if (name.empty() || name.find(':') != std::string::npos) {
          invalid(path, full, "a user name must be non-empty and hold no ':'");
        }
        const std::string hash = scalar(path, full, user.second);
        if (!is_bcrypt(hash)) {
          invalid(path, full, "not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)");
        }
        config.users[name] = hash;
      }
    } else {
      invalid(path, key,
              "not supported by runner-metrics (only tls_server_config and basic_auth_users)");
    }
  }
  return config;
}

}  // namespace runner_metrics::cli
