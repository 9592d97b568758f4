// SPDX-License-Identifier: Apache-2.0
// The floor for process start cost: a C++ program that prints one line and
// exits. cli_bench.sh times `runner-metrics issue ...` against it.
#include <iostream>

int main() {
  std::cout << "hello, world\n";
  return 0;
}
