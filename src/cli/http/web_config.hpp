// SPDX-License-Identifier: Apache-2.0
// The web configuration file of Prometheus exporters (the exporter-toolkit
// format, `--web.config.file`), the part `serve` supports:
//
//   tls_server_config:
//     cert_file: server.crt     # PEM; relative paths are from the file's directory
//     key_file: server.key
//   basic_auth_users:
//     prometheus: $2y$10$...    # bcrypt, as `htpasswd -nbBC 10 USER PASSWORD` makes
//
// Any other key is refused rather than ignored: a setting the file asks for
// and the server silently lacks would be a hole.
#pragma once

#include <map>
#include <string>

namespace runner_metrics::cli {

struct WebConfig {
  std::string cert_pem;  ///< Empty: plain HTTP.
  std::string key_pem;
  std::map<std::string, std::string> users;  ///< user → bcrypt hash; empty: no auth.
};

/// Reads and checks `path`. Throws std::invalid_argument naming the file and
/// the key at fault ("web.yml: tls_server_config.key_file: missing").
WebConfig read_web_config(const std::string& path);

}  // namespace runner_metrics::cli
